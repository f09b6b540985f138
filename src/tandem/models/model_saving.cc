// Model's save_weights / load_weights / save over Tandem's model file (tandem/io/model_file.h).
#include <set>

#include "tandem/core/error.h"
#include "tandem/io/model_file.h"
#include "tandem/layers/registry.h"
#include "tandem/models/model.h"
#include "tandem/models/saved_state.h"
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

namespace detail {

void assign_saved(const std::vector<Variable>& variables,
                  const std::vector<const io::ModelFileTensor*>& saved, const std::string& path,
                  const std::string& what) {
  TANDEM_CHECK(saved.size() == variables.size(), ValueError, "'", path, "' holds ", saved.size(),
               " ", what, " values, but the model has ", variables.size());
  for (size_t i = 0; i < variables.size(); ++i) {
    const Tensor& value = saved[i]->value;
    TANDEM_CHECK(value.shape() == variables[i].shape() && value.dtype() == variables[i].dtype(),
                 ValueError, what, " ", i, " ('", saved[i]->name, "' in '", path, "') is ",
                 dtype_name(value.dtype()), " ", value.shape().to_string(), ", but the model's '",
                 variables[i].name(), "' is ", dtype_name(variables[i].dtype()), " ",
                 variables[i].shape().to_string());
  }
  // Checked in full first, so a mismatch leaves every variable as it was.
  for (size_t i = 0; i < variables.size(); ++i) {
    Variable v = variables[i];
    v.assign(saved[i]->value);
  }
}

std::vector<const io::ModelFileTensor*> group_of(const io::ModelFileContents& contents,
                                                 const std::string& group) {
  std::vector<const io::ModelFileTensor*> out;
  for (const auto& t : contents.tensors) {
    if (t.group == group) out.push_back(&t);
  }
  return out;
}

nlohmann::json save_architecture(const Layer& layer) {
  json architecture = serialize_layer(layer);
  // Keras's build_config: what a loader calls the rebuilt model on before restoring weights (a
  // subclassed model has no weights until its first call).
  json shapes = json::array();
  for (const Shape& s : layer.build_input_shapes()) shapes.push_back(s.as_list());
  architecture["build_config"] = {{"input_shapes", shapes}};
  return architecture;
}

}  // namespace detail

void Model::save_weights(const std::string& path) const {
  TANDEM_CHECK(built(), ValueError, "model '", name(),
               "' has no weights yet: build it (call it on data, or build()) before save_weights");
  io::write_model_file(path, {.tensors = named(weights(), "model", "")});
}

void Model::load_weights(const std::string& path) {
  // Read (and validate) now, so a bad file fails here rather than at the first call.
  io::ModelFileContents contents = io::read_model_file(path, {.groups = {"model"}});
  if (weights().empty() && !contents.tensors.empty()) {
    // Keras defers the restore of an unbuilt model until its variables exist.
    deferred_weights_ = path;
    return;
  }
  deferred_weights_.reset();
  detail::assign_saved(weights(), detail::group_of(contents, "model"), path, "weight");
}

void Model::on_built() {
  if (!deferred_weights_) return;
  if (weights().empty()) {
    // A subclassed model makes its weights in its first call, which is about to run: make them
    // now with a placeholder call (tapes paused, nothing recorded) so that the real call already
    // computes with the restored weights, as Keras restores each variable when it is created.
    // That placeholder call ends in on_built again, with the weights made.
    if (!build_input_shapes().empty()) compute_output_shape(build_input_shapes());
    return;
  }
  std::string path = *deferred_weights_;
  deferred_weights_.reset();
  io::ModelFileContents contents = io::read_model_file(path, {.groups = {"model"}});
  detail::assign_saved(weights(), detail::group_of(contents, "model"), path, "weight");
}

void Model::save(const std::string& path) const {
  TANDEM_CHECK(built(), ValueError, "model '", name(),
               "' has no weights yet: build it (call it on data, or build()) before save");
  io::ModelFileContents contents{.architecture_json = detail::save_architecture(*this).dump(),
                                 .tensors = named(weights(), "model", "")};
  if (compile_state_) {
    resolve_compiled_outputs();  // a model that has weights has been called: its outputs are known
    json compile = compile_state_->loss.get_config();
    compile["metrics"] = compile_state_->metrics.get_config();
    compile["output_names"] = output_names();
    contents.compile_config_json = compile.dump();
    optimizers::Optimizer& optimizer = *compile_state_->optimizer;
    contents.optimizer_config_json = optimizers::serialize(optimizer).dump();
    // Every slot exists before saving (as BackupAndRestore does), so the file's optimizer state
    // lines up with the slots a loader's build() makes, whatever was trained so far.
    optimizer.build(trainable_weights());
    for (auto& t : named(optimizer.variables(), "optimizer", "optimizer/")) {
      contents.tensors.push_back(std::move(t));
    }
  }
  io::write_model_file(path, contents);
}

}  // namespace tandem
