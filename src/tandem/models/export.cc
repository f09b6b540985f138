#include "tandem/models/export.h"

#include "tandem/core/error.h"
#include "tandem/io/model_file.h"
#include "tandem/models/functional.h"
#include "tandem/models/saved_state.h"

namespace tandem::models {

namespace {

json spec_to_json(const TensorSpec& spec) {
  return {{"name", spec.name}, {"shape", spec.shape.as_list()}, {"dtype", dtype_name(spec.dtype)}};
}

TensorSpec spec_from_json(const json& j) {
  return {.name = j.at("name").get<std::string>(),
          .shape = Shape(j.at("shape").get<std::vector<int64_t>>()),
          .dtype = dtype_from_name(j.at("dtype").get<std::string>())};
}

std::vector<TensorSpec> specs(const std::vector<std::string>& names,
                              const std::vector<Shape>& shapes, const std::vector<DType>& dtypes) {
  std::vector<TensorSpec> out;
  for (size_t i = 0; i < shapes.size(); ++i) {
    out.push_back({.name = i < names.size() ? names[i] : "input_" + std::to_string(i + 1),
                   .shape = shapes[i],
                   .dtype = dtypes[i]});
  }
  return out;
}

}  // namespace

ServingSignature serving_signature(Model& model) {
  std::vector<Shape> input_shapes;
  std::vector<DType> input_dtypes;
  if (auto* functional = dynamic_cast<Functional*>(&model)) {
    for (const KerasTensor& t : functional->inputs()) {
      input_shapes.push_back(t.shape());
      input_dtypes.push_back(t.dtype());
    }
  } else {
    TANDEM_CHECK(model.built() && !model.build_input_shapes().empty(), ValueError, "model '",
                 model.name(),
                 "' has not been built: call it on data (or build()) before exporting it");
    for (Shape s : model.build_input_shapes()) {
      std::vector<int64_t> dims = s.as_list();
      if (!dims.empty()) dims[0] = -1;  // any batch size
      input_shapes.emplace_back(dims);
      input_dtypes.push_back(model.input_spec().dtype.value_or(model.dtype()));
    }
  }
  ServingSignature signature;
  signature.inputs = specs(model.input_names(), input_shapes, input_dtypes);
  // A placeholder call gives the output shapes; outputs take the model's compute dtype.
  std::vector<Shape> output_shapes = model.compute_output_shape(input_shapes);
  signature.outputs = specs(model.output_names(), output_shapes,
                            std::vector<DType>(output_shapes.size(), model.dtype()));
  return signature;
}

json signature_to_json(const ServingSignature& signature) {
  json inputs = json::array(), outputs = json::array();
  for (const TensorSpec& s : signature.inputs) inputs.push_back(spec_to_json(s));
  for (const TensorSpec& s : signature.outputs) outputs.push_back(spec_to_json(s));
  return {{"inputs", inputs}, {"outputs", outputs}};
}

ServingSignature signature_from_json(const json& j) {
  ServingSignature signature;
  for (const json& s : j.at("inputs")) signature.inputs.push_back(spec_from_json(s));
  for (const json& s : j.at("outputs")) signature.outputs.push_back(spec_from_json(s));
  return signature;
}

void export_model(Model& model, const std::string& path) {
  TANDEM_CHECK(model.built() && !model.weights().empty(), ValueError, "model '", model.name(),
               "' has no weights yet: build it (call it on data, or build()) before exporting it");
  json architecture = detail::save_architecture(model);
  architecture["signature"] = signature_to_json(serving_signature(model));
  io::ModelFileContents contents{.architecture_json = architecture.dump()};
  std::vector<Variable> weights = model.weights();
  for (size_t i = 0; i < weights.size(); ++i) {
    // Position decides on loading; the index keeps names unique when two weights share a name.
    contents.tensors.push_back({.name = std::to_string(i) + ":" + weights[i].name(),
                                .group = "model",
                                .value = weights[i].value()});
  }
  io::write_model_file(path, contents);
}

}  // namespace tandem::models
