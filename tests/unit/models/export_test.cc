// models::export_model and ServingModel: the serving file holds the inference graph, the weights
// and a signature, and nothing of training; the loader predicts like the original model.
#include "tandem/models/export.h"

#include <gtest/gtest.h>

#include "tandem/io/model_file.h"
#include "tandem/models/serving_model.h"
#include "tandem/tandem.h"
#include "testing/assertions.h"
#include "testing/temp_files.h"

namespace tandem {
namespace {

using layers::Dense;
using layers::DenseOptions;
using testing::expect_error;
using testing::TempDir;

std::shared_ptr<Sequential> trained_classifier() {
  set_random_seed(1);
  auto model = std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      std::make_shared<layers::Flatten>(LayerOptions{.input_shape = Shape{2, 3}}),
      std::make_shared<Dense>(8, DenseOptions{.activation = "relu"}),
      std::make_shared<Dense>(3, DenseOptions{.activation = "softmax"})});
  model->compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy"});
  Tensor x = random_normal(Shape{16, 2, 3}, {.seed = 2});
  Tensor y = cast(random_uniform(Shape{16}, {.maxval = 3, .seed = 3}), int64);
  model->fit(x, y, {.batch_size = 8, .epochs = 2, .verbose = 0});
  return model;
}

TEST(ExportModel, HoldsTheInferenceGraphWeightsAndSignatureOnly) {
  auto model = trained_classifier();
  TempDir dir;
  models::export_model(*model, dir.file("served.tandem"));
  io::ModelFileContents contents = io::read_model_file(dir.file("served.tandem"));
  EXPECT_TRUE(contents.compile_config_json.empty());
  EXPECT_TRUE(contents.optimizer_config_json.empty());
  EXPECT_EQ(contents.tensors.size(), model->weights().size());
  for (const auto& t : contents.tensors) EXPECT_EQ(t.group, "model");
  json signature = json::parse(contents.architecture_json)["signature"];
  ASSERT_EQ(signature["inputs"].size(), 1u);
  EXPECT_EQ(signature["inputs"][0]["shape"], json::parse("[-1, 2, 3]"));
  EXPECT_EQ(signature["inputs"][0]["dtype"], "float32");
  EXPECT_EQ(signature["inputs"][0]["name"], model->input_names()[0]);
  EXPECT_EQ(signature["outputs"][0]["shape"], json::parse("[-1, 3]"));
  EXPECT_EQ(signature["outputs"][0]["name"], model->output_names()[0]);
}

TEST(ServingModel, PredictsLikeTheOriginalInBatches) {
  auto model = trained_classifier();
  TempDir dir;
  models::export_model(*model, dir.file("served.tandem"));
  models::ServingModel served = models::ServingModel::load(dir.file("served.tandem"));
  Tensor x = random_normal(Shape{11, 2, 3}, {.seed = 9});
  Tensor expected = (*model)(x);
  Tensors out = served.predict({x}, 4);  // 4 + 4 + 3
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), (Shape{11, 3}));
  EXPECT_EQ(out[0].to_vector<float>(), expected.to_vector<float>());
  std::string summary = served.summary();
  EXPECT_NE(summary.find("Total params: 83"), std::string::npos) << summary;
  EXPECT_NE(summary.find("input  " + model->input_names()[0] + ": float32 (None, 2, 3)"),
            std::string::npos)
      << summary;
}

TEST(ServingModel, ChecksInputsAgainstTheSignature) {
  auto model = trained_classifier();
  TempDir dir;
  models::export_model(*model, dir.file("served.tandem"));
  models::ServingModel served = models::ServingModel::load(dir.file("served.tandem"));
  expect_error<ShapeError>(
      [&] {
        served.predict({zeros(Shape{2, 3, 2})});
      },
      "expected shape (None, 2, 3), received (2, 3, 2)");
  expect_error<TypeError>(
      [&] {
        served.predict({zeros(Shape{2, 2, 3}, float64)});
      },
      "expected dtype float32, received float64");
  expect_error<ValueError>([&] { served.predict({}); }, "expects 1 input(s), received 0");
}

// A subclassed model is exported and served through its registered get_config / from_config.
class Doubler : public Model {
 public:
  explicit Doubler(LayerOptions options = {}) : Model("Doubler", options) {
    dense_ = track("dense", std::make_shared<Dense>(2));
  }
  static std::shared_ptr<Layer> from_config(const json& config) {
    return std::make_shared<Doubler>(options_from_config(config));
  }

 protected:
  Tensors call(const Tensors& inputs, const CallContext&) override {
    return {(*dense_)(inputs[0]) * 2.0};
  }

 private:
  std::shared_ptr<Dense> dense_;
};
TANDEM_REGISTER_MODEL(Doubler);

TEST(ServingModel, ServesSubclassedModels) {
  auto model = std::make_shared<Doubler>();
  Tensor x = random_normal(Shape{5, 4}, {.seed = 1});
  Tensor expected = (*model)(x);
  TempDir dir;
  models::export_model(*model, dir.file("d.tandem"));
  models::ServingModel served = models::ServingModel::load(dir.file("d.tandem"));
  EXPECT_EQ(served.signature().inputs[0].shape, (Shape{-1, 4}));
  EXPECT_EQ(served.predict({x})[0].to_vector<float>(), expected.to_vector<float>());
}

TEST(ServingModel, RefusesFilesThatWereNotExported) {
  auto model = trained_classifier();
  TempDir dir;
  model->save(dir.file("full.tandem"));
  expect_error<IOError>([&] { models::ServingModel::load(dir.file("full.tandem")); },
                        "was not exported for serving");
  expect_error<ValueError>([&] { models::export_model(*std::make_shared<Doubler>(), "x"); },
                           "has no weights yet");
  // load_model reads an exported file too (uncompiled).
  models::export_model(*model, dir.file("served.tandem"));
  EXPECT_FALSE(models::load_model(dir.file("served.tandem"))->compiled());
}

}  // namespace
}  // namespace tandem
