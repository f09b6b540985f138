#include "tandem/models/serving_model.h"

#include <algorithm>
#include <sstream>

#include "tandem/core/error.h"
#include "tandem/io/model_file.h"
#include "tandem/layers/registry.h"
#include "tandem/models/saved_state.h"
#include "tandem/ops/indexing.h"
#include "tandem/ops/shape_ops.h"

namespace tandem::models {

namespace {

// "(None, 28, 28)" for a spec's shape, as summary() prints shapes.
std::string shape_text(const Shape& shape) { return keras_shape_text({shape}); }

}  // namespace

ServingModel ServingModel::load(const std::string& path, const CustomObjects& custom_objects) {
  io::ModelFileContents contents = io::read_model_file(path, {.groups = {"model"}});
  json architecture;
  try {
    architecture = json::parse(contents.architecture_json);
  } catch (const json::parse_error& e) {
    throw IOError(::tandem::detail::concat(
        "model file '", path, "': its architecture is not valid JSON (", e.what(), ")"));
  }
  TANDEM_CHECK(architecture.is_object() && architecture.contains("signature"), IOError,
               "model file '", path,
               "' was not exported for serving (it has no signature): write it with "
               "models::export_model, or load it with models::load_model");
  CustomObjectScope scope(custom_objects);
  return detail::with_load_context("ServingModel::load", path, [&] {
    ServingSignature signature = signature_from_json(architecture["signature"]);
    auto model = std::dynamic_pointer_cast<Model>(layer_from_config(architecture));
    TANDEM_CHECK(model != nullptr, ValueError, "model file '", path, "' does not hold a model");
    if (model->weights().empty()) {
      std::vector<Shape> shapes;
      for (const TensorSpec& s : signature.inputs) shapes.push_back(s.shape);
      model->compute_output_shape(shapes);  // builds a subclassed model
    }
    detail::assign_saved(model->weights(), detail::group_of(contents, "model"), path, "weight");
    return ServingModel(path, model, std::move(signature));
  });
}

void ServingModel::check_inputs(const Tensors& inputs) const {
  TANDEM_CHECK(inputs.size() == signature_.inputs.size(), ValueError, "model '", path_,
               "' expects ", signature_.inputs.size(), " input(s), received ", inputs.size());
  int64_t batch = -1;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorSpec& spec = signature_.inputs[i];
    const Tensor& x = inputs[i];
    TANDEM_CHECK(x.defined(), ValueError, "input '", spec.name, "' is undefined");
    TANDEM_CHECK(x.dtype() == spec.dtype, TypeError, "input '", spec.name, "' expected dtype ",
                 dtype_name(spec.dtype), ", received ", dtype_name(x.dtype()));
    bool fits = x.shape().rank() == spec.shape.rank() && x.shape().rank() >= 1;
    for (int64_t d = 1; fits && d < x.shape().rank(); ++d) {
      fits = spec.shape[d] < 0 || spec.shape[d] == x.shape()[d];
    }
    TANDEM_CHECK(fits, ShapeError, "input '", spec.name, "' expected shape ",
                 shape_text(spec.shape), ", received ", x.shape().to_string());
    TANDEM_CHECK(batch < 0 || x.shape()[0] == batch, ShapeError, "input '", spec.name, "' has ",
                 x.shape()[0], " examples but the inputs before it have ", batch);
    batch = x.shape()[0];
  }
}

Tensors ServingModel::predict(const Tensors& inputs, int64_t batch_size) const {
  TANDEM_CHECK(batch_size >= 1, ValueError, "predict: batch_size must be >= 1, received ",
               batch_size);
  check_inputs(inputs);
  const int64_t n = inputs[0].shape()[0];
  if (n == 0) return (*model_)(inputs, false);
  std::vector<Tensors> pieces;  // per output, per batch
  for (int64_t start = 0; start < n; start += batch_size) {
    const int64_t size = std::min(batch_size, n - start);
    Tensors batch;
    for (const Tensor& x : inputs) {
      std::vector<int64_t> begin(x.shape().rank(), 0), extent = x.shape().as_list();
      begin[0] = start;
      extent[0] = size;
      batch.push_back(slice(x, begin, extent));
    }
    Tensors out = (*model_)(batch, false);
    if (pieces.empty()) pieces.resize(out.size());
    for (size_t o = 0; o < out.size(); ++o) pieces[o].push_back(out[o]);
  }
  Tensors result;
  for (const Tensors& p : pieces) result.push_back(p.size() == 1 ? p[0] : concat(p, 0));
  return result;
}

std::string ServingModel::summary() const {
  std::ostringstream out;
  out << model_->summary_string() << "Serving signature:\n";
  for (const TensorSpec& s : signature_.inputs) {
    out << "  input  " << s.name << ": " << dtype_name(s.dtype) << " " << shape_text(s.shape)
        << "\n";
  }
  for (const TensorSpec& s : signature_.outputs) {
    out << "  output " << s.name << ": " << dtype_name(s.dtype) << " " << shape_text(s.shape)
        << "\n";
  }
  return out.str();
}

}  // namespace tandem::models
