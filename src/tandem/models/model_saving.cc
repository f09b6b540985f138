// Model's save_weights / load_weights / save over Tandem's model file (tandem/io/model_file.h).
#include <set>

#include "tandem/core/error.h"
#include "tandem/io/model_file.h"
#include "tandem/layers/registry.h"
#include "tandem/models/model.h"
#include "tandem/ops/math.h"
#include "tandem/training/compile_state.h"

namespace tandem {

namespace {

// One entry per weight, in weights() order. Names are the variables' paths, made unique with a
// "#i" suffix when two share one (names are for people and tools: loading goes by position).
std::vector<io::ModelFileTensor> named(const std::vector<Variable>& variables,
                                       const std::string& group, const std::string& prefix) {
  std::vector<io::ModelFileTensor> out;
  std::set<std::string> seen;
  for (size_t i = 0; i < variables.size(); ++i) {
    std::string name = prefix + variables[i].name();
    if (!seen.insert(name).second) name.append(1, '#').append(std::to_string(i));
    seen.insert(name);
    out.push_back({.name = name, .group = group, .value = variables[i].value()});
  }
  return out;
}

}  // namespace

void Model::save_weights(const std::string& path) const {
  TANDEM_CHECK(built(), ValueError, "model '", name(),
               "' has no weights yet: build it (call it on data, or build()) before save_weights");
  io::write_model_file(path, {.tensors = named(weights(), "model", "")});
}

void Model::load_weights(const std::string& path) {
  io::ModelFileContents contents = io::read_model_file(path, {.groups = {"model"}});
  std::vector<Variable> variables = weights();
  TANDEM_CHECK(contents.tensors.size() == variables.size(), ValueError, "'", path, "' holds ",
               contents.tensors.size(), " weights, but model '", name(), "' has ", variables.size(),
               variables.empty() ? " (build the model before loading)" : "");
  for (size_t i = 0; i < variables.size(); ++i) {
    const Tensor& value = contents.tensors[i].value;
    TANDEM_CHECK(value.shape() == variables[i].shape() && value.dtype() == variables[i].dtype(),
                 ValueError, "weight ", i, " ('", contents.tensors[i].name, "' in '", path,
                 "') is ", dtype_name(value.dtype()), " ", value.shape().to_string(),
                 ", but the model's '", variables[i].name(), "' is ",
                 dtype_name(variables[i].dtype()), " ", variables[i].shape().to_string());
  }
  for (size_t i = 0; i < variables.size(); ++i) variables[i].assign(contents.tensors[i].value);
}

void Model::save(const std::string& path) const {
  TANDEM_CHECK(built(), ValueError, "model '", name(),
               "' has no weights yet: build it (call it on data, or build()) before save");
  io::ModelFileContents contents{.architecture_json = serialize_layer(*this).dump(),
                                 .tensors = named(weights(), "model", "")};
  if (compile_state_) {
    contents.compile_config_json = compile_state_->loss.get_config().dump();
    contents.optimizer_config_json = optimizers::serialize(*compile_state_->optimizer).dump();
    for (auto& t : named(compile_state_->optimizer->variables(), "optimizer", "optimizer/")) {
      contents.tensors.push_back(std::move(t));
    }
  }
  io::write_model_file(path, contents);
}

}  // namespace tandem
