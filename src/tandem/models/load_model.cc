#include "tandem/models/load_model.h"

#include "tandem/core/error.h"
#include "tandem/io/model_file.h"
#include "tandem/layers/registry.h"
#include "tandem/models/saved_state.h"
#include "tandem/training/compile_state.h"

namespace tandem::models {

namespace {

json parse_document(const std::string& text, const std::string& path, const char* what) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw IOError(::tandem::detail::concat("model file '", path, "': its ", what,
                                           " is not valid JSON (", e.what(), ")"));
  }
}

// A subclassed model has no weights until it is called: call it on zeros of the shapes it was
// built for (Keras's build_config). Sequential and Functional models are built by from_config.
void build_from_config(Model& model, const json& architecture) {
  if (model.built() && !model.weights().empty()) return;
  const json* shapes = nullptr;
  if (architecture.contains("build_config") && architecture["build_config"].is_object() &&
      architecture["build_config"].contains("input_shapes")) {
    shapes = &architecture["build_config"]["input_shapes"];
  }
  if (shapes == nullptr || !shapes->is_array() || shapes->empty()) return;
  std::vector<Shape> input_shapes;
  for (const json& s : *shapes) input_shapes.emplace_back(s.get<std::vector<int64_t>>());
  model.compute_output_shape(input_shapes);
}

CompileOptions compile_options_from(const json& compile, const json& optimizer,
                                    const std::vector<std::string>& output_names) {
  CompileOptions options;
  options.optimizer = optimizers::deserialize(optimizer);
  std::vector<LossSpec> per_output_losses;
  for (const json& l : compile.at("loss")) {
    per_output_losses.push_back(l.is_null() ? LossSpec() : LossSpec(losses::deserialize(l)));
  }
  options.loss = Losses(std::move(per_output_losses));
  options.loss_weights = LossWeights(compile.at("loss_weights").get<std::vector<double>>());
  MetricsByOutput metrics;
  const json per_output = compile.value("metrics", json::array());
  for (size_t i = 0; i < per_output.size() && i < output_names.size(); ++i) {
    std::vector<MetricSpec> specs;
    for (const json& m : per_output[i]) {
      specs.push_back(m.is_string() ? MetricSpec(m.get<std::string>())
                                    : MetricSpec(metrics::deserialize(m)));
    }
    if (!specs.empty()) metrics[output_names[i]] = std::move(specs);
  }
  options.metrics = Metrics(std::move(metrics));
  return options;
}

std::shared_ptr<Model> rebuild(const io::ModelFileContents& contents, const std::string& path,
                               const LoadModelOptions& options) {
  TANDEM_CHECK(!contents.architecture_json.empty(), IOError, "model file '", path,
               "' holds weights only (written by save_weights): build the model in code and "
               "call load_weights, or save it with Model::save");
  json architecture = parse_document(contents.architecture_json, path, "architecture");
  std::shared_ptr<Layer> layer = layer_from_config(architecture);
  auto model = std::dynamic_pointer_cast<Model>(layer);
  TANDEM_CHECK(model != nullptr, ValueError, "model file '", path, "' holds a ",
               layer->class_name(), " layer, not a model");
  build_from_config(*model, architecture);
  detail::assign_saved(model->weights(), detail::group_of(contents, "model"), path, "weight");
  if (!options.compile || contents.compile_config_json.empty() ||
      contents.optimizer_config_json.empty()) {
    return model;
  }
  json compile = parse_document(contents.compile_config_json, path, "compile config");
  json optimizer = parse_document(contents.optimizer_config_json, path, "optimizer config");
  model->compile(compile_options_from(compile, optimizer, model->output_names()));
  // The slots a fresh build makes, in the order Model::save wrote them (BackupAndRestore's order:
  // the iteration counter, then each variable's slots).
  optimizers::Optimizer& opt = *model->optimizer();
  opt.build(model->trainable_weights());
  detail::assign_saved(opt.variables(), detail::group_of(contents, "optimizer"), path,
                       "optimizer variable");
  return model;
}

}  // namespace

std::shared_ptr<Model> load_model(const std::string& path, const CustomObjects& custom_objects,
                                  LoadModelOptions options) {
  io::ModelFileContents contents = io::read_model_file(path);
  // Every object the file names (layers, losses, metrics, initializers, ...) sees custom_objects.
  CustomObjectScope scope(custom_objects);
  return detail::with_load_context("load_model", path,
                                   [&] { return rebuild(contents, path, options); });
}

}  // namespace tandem::models
