// ServingModel: the loader of an exported model (models/export.h). It rebuilds the inference
// architecture, restores the weights and runs predict in batches, checking inputs against the
// signature; it never compiles or trains (no losses, metrics or optimizer are involved).
//
//   auto served = models::ServingModel::load("classifier.tandem");
//   std::cout << served.summary();
//   Tensor logits = served.predict({images})[0];
#pragma once

#include <memory>
#include <string>

#include "tandem/core/registry.h"
#include "tandem/models/export.h"
#include "tandem/models/model.h"

namespace tandem::models {

class ServingModel {
 public:
  // IOError for a file that is not a Tandem model file or holds no signature (not exported);
  // ValueError for an unknown class (custom_objects as in load_model).
  static ServingModel load(const std::string& path, const CustomObjects& custom_objects = {});

  // Outputs for inputs in signature order, computed batch_size examples at a time in inference
  // mode and concatenated. ValueError naming the input when the count, a dtype or a shape (past
  // the batch dimension) differs from the signature.
  Tensors predict(const Tensors& inputs, int64_t batch_size = 32) const;

  const ServingSignature& signature() const { return signature_; }
  // The model's summary table followed by the signature.
  std::string summary() const;
  const std::string& path() const { return path_; }

 private:
  ServingModel(std::string path, std::shared_ptr<Model> model, ServingSignature signature)
      : path_(std::move(path)), model_(std::move(model)), signature_(std::move(signature)) {}
  void check_inputs(const Tensors& inputs) const;

  std::string path_;
  std::shared_ptr<Model> model_;
  ServingSignature signature_;
};

}  // namespace tandem::models
