// BackupAndRestore: a fit interrupted mid-epoch and started again ends with exactly the weights of
// an uninterrupted one (dropout, shuffling and Adam's state included); another model's backup is
// refused by name; a finished fit deletes its backup.
#include "tandem/training/callbacks/backup_and_restore.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <stdexcept>

#include "tandem/tandem.h"
#include "testing/assertions.h"
#include "testing/temp_files.h"

namespace tandem {
namespace {

using testing::expect_error;
using testing::TempDir;

struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

// What a restarted program does: the same seed, the same model, compile, fit.
std::shared_ptr<Sequential> fresh_model(int hidden = 16) {
  clear_session();
  set_random_seed(21);
  auto model = std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      std::make_shared<layers::Dense>(
          hidden, layers::DenseOptions{.activation = "relu", .layer = {.input_shape = Shape{6}}}),
      std::make_shared<layers::Dropout>(0.3), std::make_shared<layers::Dense>(2)});
  model->compile({.optimizer = "adam", .loss = "mse"});
  return model;
}

std::pair<Tensor, Tensor> data() {
  return {random_normal(Shape{40, 6}, {.seed = 1}), random_normal(Shape{40, 2}, {.seed = 2})};
}

FitOptions options(Callbacks callbacks) {
  return {.batch_size = 8, .epochs = 4, .verbose = 0, .callbacks = std::move(callbacks)};
}

void expect_same_weights(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(a[i].to_vector<float>(), b[i].to_vector<float>()) << "weight " << i;
}

TEST(BackupAndRestore, ResumedFitEndsWithTheUninterruptedWeights) {
  auto [x, y] = data();
  auto reference = fresh_model();
  reference->fit(x, y, options({}));
  const std::vector<Tensor> expected = reference->get_weights();

  for (int stop_epoch : {0, 2}) {
    TempDir dir;
    auto backup = std::make_shared<BackupAndRestore>(dir.path().string());
    // First run: interrupted in epoch `stop_epoch` (after epochs 0..stop_epoch-1 were backed up).
    auto first = fresh_model();
    int epochs_done = 0;
    auto counter = std::make_shared<LambdaCallback>(
        LambdaCallbackOptions{.on_epoch_end = [&](int, Logs&) { ++epochs_done; }});
    auto stopper = std::make_shared<LambdaCallback>(
        LambdaCallbackOptions{.on_batch_end = [&](int64_t batch, Logs&) {
          if (epochs_done == stop_epoch && batch == 3) throw Interrupted();
        }});
    EXPECT_THROW(first->fit(x, y, options({backup, counter, stopper})), Interrupted);
    EXPECT_EQ(std::filesystem::exists(backup->backup_path()), stop_epoch > 0);
    // The restarted program.
    auto second = fresh_model();
    History h =
        second->fit(x, y, options({std::make_shared<BackupAndRestore>(dir.path().string())}));
    EXPECT_EQ(h.epoch().front(), stop_epoch) << "resumed at the first unfinished epoch";
    expect_same_weights(second->get_weights(), expected);
    EXPECT_FALSE(std::filesystem::exists(backup->backup_path())) << "a finished fit deletes it";
  }
}

// A preemption notice (SIGUSR1, as `scancel --signal=USR1` sends) in the middle of an epoch: the
// process saves that exact step and exits with the requeue status; the job started again resumes
// at that step and ends with the uninterrupted weights.
TEST(BackupAndRestore, PreemptedFitSavesTheStepAndResumesThere) {
  auto [x, y] = data();
  auto reference = fresh_model();
  reference->fit(x, y, options({}));
  TempDir dir;
  auto first_run = [&] {
    auto model = fresh_model();
    int epochs_done = 0;
    auto notice = std::make_shared<LambdaCallback>(
        LambdaCallbackOptions{.on_epoch_end = [&](int, Logs&) { ++epochs_done; },
                              .on_batch_end =
                                  [&](int64_t batch, Logs&) {
                                    if (epochs_done == 1 && batch == 2) ::raise(SIGUSR1);
                                  }});
    model->fit(x, y, options({std::make_shared<BackupAndRestore>(dir.path().string()), notice}));
  };
  // What the process would exit with; here it throws, so the test goes on as the restarted job.
  distributed::set_preemption_exit([] { throw Interrupted(); });
  ::testing::internal::CaptureStderr();
  EXPECT_THROW(first_run(), Interrupted);
  std::string said = ::testing::internal::GetCapturedStderr();
  distributed::set_preemption_exit(nullptr);
  EXPECT_NE(said.find("Preempted: stopped after step 3 of epoch 2; exiting with status 75"),
            std::string::npos)
      << said;
  distributed::clear_preemption();  // the restarted process starts without the notice
  auto second = fresh_model();
  History h = second->fit(x, y, options({std::make_shared<BackupAndRestore>(dir.path().string())}));
  EXPECT_EQ(h.epoch().front(), 1) << "resumed inside the preempted epoch";
  expect_same_weights(second->get_weights(), reference->get_weights());
}

TEST(BackupAndRestore, AnotherModelsBackupIsRefused) {
  TempDir dir;
  auto [x, y] = data();
  auto small = fresh_model(8);
  auto stop = std::make_shared<LambdaCallback>(
      LambdaCallbackOptions{.on_epoch_end = [](int, Logs&) { throw Interrupted(); }});
  EXPECT_THROW(
      small->fit(x, y, options({std::make_shared<BackupAndRestore>(dir.path().string()), stop})),
      Interrupted);
  auto big = fresh_model(16);
  expect_error<ValueError>(
      [&] { big->fit(x, y, options({std::make_shared<BackupAndRestore>(dir.path().string())})); },
      "backup of another model");
}

}  // namespace
}  // namespace tandem
