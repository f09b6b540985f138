// Exporting a model for serving (Keras's model.export, TensorFlow's SavedModel role): the file
// holds the inference architecture, the weights and a signature (each input's and output's name,
// shape and dtype), and nothing of training: no compile config, no optimizer state. A
// ServingModel (models/serving_model.h) or the tandem-model tool loads it and runs predict.
//
//   models::export_model(*model, "classifier.tandem");
//   auto served = models::ServingModel::load("classifier.tandem");
//   Tensors probabilities = served.predict({images});
//
// (`export` is a C++ keyword, hence export_model.)
#pragma once

#include <string>
#include <vector>

#include "tandem/core/shape.h"
#include "tandem/models/model.h"

namespace tandem::models {

// One input or output of a serving signature; dimension 0 is the batch (-1: any).
struct TensorSpec {
  std::string name = "";
  Shape shape = {};
  DType dtype = float32;
};

struct ServingSignature {
  std::vector<TensorSpec> inputs = {};
  std::vector<TensorSpec> outputs = {};
};

// The signature of a built model: Functional models take their Input tensors; Sequential and
// subclassed models the shapes they were built for (float32 unless their input_spec says
// otherwise). ValueError for a model that has not been built.
ServingSignature serving_signature(Model& model);
json signature_to_json(const ServingSignature& signature);
ServingSignature signature_from_json(const json& j);

// Writes the serving file atomically (tandem/io/model_file.h).
void export_model(Model& model, const std::string& path);

}  // namespace tandem::models
