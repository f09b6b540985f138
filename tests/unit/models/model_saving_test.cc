// Model::save / save_weights / load_weights: deferred restores into unbuilt models, and a save
// killed mid-write leaves the previous file loadable.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "tandem/tandem.h"
#include "testing/assertions.h"
#include "testing/temp_files.h"

namespace tandem {
namespace {

using layers::Dense;
using layers::DenseOptions;
using testing::expect_error;
using testing::TempDir;

std::shared_ptr<Sequential> mlp(std::optional<Shape> input_shape) {
  return std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      std::make_shared<Dense>(
          5, DenseOptions{.activation = "relu", .layer = {.input_shape = input_shape}}),
      std::make_shared<Dense>(2)});
}

void expect_same_weights(const Layer& a, const Layer& b) {
  std::vector<Variable> wa = a.weights(), wb = b.weights();
  ASSERT_EQ(wa.size(), wb.size());
  for (size_t i = 0; i < wa.size(); ++i) {
    EXPECT_EQ(wa[i].value().to_vector<float>(), wb[i].value().to_vector<float>()) << i;
  }
}

TEST(LoadWeights, IntoAnUnbuiltSequentialWaitsForItsFirstCall) {
  set_random_seed(1);
  auto saved = mlp(Shape{3});
  TempDir dir;
  saved->save_weights(dir.file("w.tandem"));

  auto fresh = mlp(std::nullopt);
  ASSERT_TRUE(fresh->weights().empty());
  fresh->load_weights(dir.file("w.tandem"));
  EXPECT_TRUE(fresh->has_deferred_weights());
  Tensor x = random_normal(Shape{4, 3}, {.seed = 2});
  Tensor y = (*fresh)(x);  // builds, restores, then computes with the restored weights
  EXPECT_FALSE(fresh->has_deferred_weights());
  expect_same_weights(*saved, *fresh);
  EXPECT_EQ(y.to_vector<float>(), (*saved)(x).to_vector<float>());
}

TEST(LoadWeights, IntoAnUnbuiltSequentialWaitsForBuild) {
  set_random_seed(3);
  auto saved = mlp(Shape{3});
  TempDir dir;
  saved->save_weights(dir.file("w.tandem"));
  auto fresh = mlp(std::nullopt);
  fresh->load_weights(dir.file("w.tandem"));
  fresh->build({Shape{-1, 3}});
  EXPECT_FALSE(fresh->has_deferred_weights());
  expect_same_weights(*saved, *fresh);
}

class Net : public Model {
 public:
  Net() : Model("Net", {}) {
    a_ = track("a", std::make_shared<Dense>(4, DenseOptions{.activation = "tanh"}));
    b_ = track("b", std::make_shared<Dense>(1));
  }

 protected:
  Tensors call(const Tensors& inputs, const CallContext&) override {
    return {(*b_)((*a_)(inputs[0]))};
  }

 private:
  std::shared_ptr<Dense> a_, b_;
};

TEST(LoadWeights, IntoAnUncalledSubclassedModelWaitsForItsFirstCall) {
  set_random_seed(4);
  auto saved = std::make_shared<Net>();
  Tensor x = random_normal(Shape{3, 2}, {.seed = 5});
  Tensor expected = (*saved)(x);
  TempDir dir;
  saved->save_weights(dir.file("w.tandem"));
  auto fresh = std::make_shared<Net>();
  fresh->load_weights(dir.file("w.tandem"));
  EXPECT_TRUE(fresh->has_deferred_weights());
  // The first call already computes with the restored weights.
  EXPECT_EQ((*fresh)(x).to_vector<float>(), expected.to_vector<float>());
  EXPECT_FALSE(fresh->has_deferred_weights());
  expect_same_weights(*saved, *fresh);
}

TEST(LoadWeights, DeferredMismatchIsReportedWhenTheModelIsBuilt) {
  set_random_seed(6);
  auto saved = mlp(Shape{3});
  TempDir dir;
  saved->save_weights(dir.file("w.tandem"));
  auto fresh = mlp(std::nullopt);
  fresh->load_weights(dir.file("w.tandem"));
  expect_error<ValueError>([&] { (*fresh)(random_normal(Shape{2, 7})); }, "w.tandem");
  // A bad file fails at load_weights, not later.
  testing::write_bytes(dir.file("junk.tandem"), "junk");
  expect_error<IOError>([&] { mlp(std::nullopt)->load_weights(dir.file("junk.tandem")); },
                        "junk.tandem");
}

// A model big enough that writing it takes many system calls, so the kill lands mid-write.
std::shared_ptr<Sequential> big_model(float value) {
  auto model = std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      std::make_shared<Dense>(1024, DenseOptions{.layer = {.input_shape = Shape{2048}}})});
  std::vector<Tensor> values;
  for (const Variable& v : model->weights()) values.push_back(fill(v.shape(), value));
  model->set_weights(values);
  return model;
}

bool temporary_file_exists(const std::filesystem::path& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename().string().find(".tmp-") != std::string::npos) return true;
  }
  return false;
}

TEST(Save, KilledMidWriteLeavesThePreviousFileLoadable) {
  TempDir dir;
  std::string path = dir.file("model.tandem");
  auto first = big_model(1.0f);
  first->compile({.optimizer = "sgd", .loss = "mse"});
  first->save(path);
  auto second = big_model(2.0f);
  second->compile({.optimizer = "sgd", .loss = "mse"});

  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Saves the second model over the first again and again until killed.
    for (;;) second->save(path);
  }
  // Kill the child while a temporary file exists, i.e. while a save is under way (the loop saves
  // without pause, so one is found within a few polls).
  bool seen = false;
  for (int poll = 0; poll < 1000000 && !seen; ++poll) {
    seen = temporary_file_exists(dir.path());
    if (!seen) std::this_thread::yield();
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(seen) << "the child never started a save";
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

  // The real name holds one whole model, the first or a completed second, never a mixture.
  std::shared_ptr<Model> loaded = models::load_model(path);
  std::vector<float> kernel = loaded->weights()[0].value().to_vector<float>();
  ASSERT_FALSE(kernel.empty());
  EXPECT_TRUE(kernel.front() == 1.0f || kernel.front() == 2.0f) << kernel.front();
  for (const Variable& v : loaded->weights()) {
    for (float w : v.value().to_vector<float>()) ASSERT_EQ(w, kernel.front());
  }
  EXPECT_TRUE(loaded->compiled());
}

}  // namespace
}  // namespace tandem
