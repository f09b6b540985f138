#include "tandem/losses/loss.h"

#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "tandem/core/join.h"
#include "tandem/core/registry.h"
#include "tandem/losses/hinge.h"
#include "tandem/losses/loss_utils.h"
#include "tandem/losses/probabilistic.h"
#include "tandem/losses/regression.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"
#include "tandem/ops/reduction.h"

namespace tandem::losses {

using nlohmann::json;

std::string reduction_name(Reduction reduction) {
  switch (reduction) {
    case Reduction::sum_over_batch_size:
      return "sum_over_batch_size";
    case Reduction::sum:
      return "sum";
    case Reduction::none:
      return "none";
  }
  return "sum_over_batch_size";
}

Reduction reduction_from_name(const std::string& name) {
  // "auto" is Keras's default, which means sum_over_batch_size outside distribution strategies.
  if (name == "sum_over_batch_size" || name == "auto") return Reduction::sum_over_batch_size;
  if (name == "sum") return Reduction::sum;
  if (name == "none") return Reduction::none;
  throw ValueError(::tandem::detail::concat(
      "unknown loss reduction '", name, "'; expected one of auto, sum_over_batch_size, sum, none"));
}

Loss::Loss(std::string class_name, std::string default_name, LossOptions options)
    : class_name_(std::move(class_name)),
      name_(options.name.empty() ? std::move(default_name) : std::move(options.name)),
      reduction_(options.reduction) {}

std::optional<Tensor> Loss::valid_mask(const Tensor&, const Tensor&) const { return std::nullopt; }

Tensor Loss::operator()(const Tensor& y_true, const Tensor& y_pred,
                        const std::optional<Tensor>& sample_weight) const {
  TANDEM_CHECK(y_true.defined() && y_pred.defined(), ValueError, class_name_, " '", name_,
               "' expected defined y_true and y_pred tensors");
  Tensor t = y_true;
  if (is_floating(y_pred.dtype()) && t.dtype() != y_pred.dtype() && t.dtype() != DType::kString)
    t = cast(t, y_pred.dtype());
  Tensor losses = call(t, y_pred);
  std::optional<Tensor> weights = sample_weight;
  if (std::optional<Tensor> mask = valid_mask(t, y_pred)) {
    // Keras's apply_valid_mask: masked losses weigh 0; under sum_over_batch_size the others are
    // scaled so the mean runs over the valid ones only.
    Tensor m = cast(*mask, losses.dtype());
    if (reduction_ == Reduction::sum_over_batch_size) {
      double valid = reduce_sum(m).item<double>();
      double scale = valid > 0 ? static_cast<double>(m.num_elements()) / valid : 0.0;
      m = m * scale;
    }
    if (weights) m = detail::align_weights(m, cast(*weights, losses.dtype())) * m;
    weights = m;
  }
  return compute_weighted_loss(losses, weights, reduction_);
}

json Loss::get_config() const {
  return {{"name", name_}, {"reduction", reduction_name(reduction_)}};
}

Tensor compute_weighted_loss(const Tensor& losses, const std::optional<Tensor>& sample_weight,
                             Reduction reduction) {
  TANDEM_CHECK(losses.defined(), ValueError, "compute_weighted_loss expected defined losses");
  Tensor values = is_floating(losses.dtype()) ? losses : cast(losses, float32);
  Tensor weighted = values;
  if (sample_weight) {
    TANDEM_CHECK(sample_weight->defined(), ValueError,
                 "compute_weighted_loss expected a defined sample_weight tensor");
    Tensor w = detail::align_weights(values, cast(*sample_weight, values.dtype()));
    try {
      weighted = values * w;
    } catch (const Error&) {
      throw ShapeError(::tandem::detail::concat(
          "sample_weight of shape ", detail::shape_list(sample_weight->shape()),
          " does not broadcast to the per-example losses of shape ",
          detail::shape_list(values.shape()), "; expected a scalar, [batch] or [batch, 1]"));
    }
  }
  if (reduction == Reduction::none) return weighted;
  Tensor total = reduce_sum(weighted);
  if (reduction == Reduction::sum) return total;
  int64_t count = weighted.num_elements();
  // divide_no_nan: an empty batch has loss 0.
  return count > 0 ? total / static_cast<double>(count) : total * 0.0;
}

namespace {

class LossFunctionWrapper : public Loss {
 public:
  LossFunctionWrapper(std::string name, LossFunction fn, LossOptions options)
      : Loss("LossFunctionWrapper", std::move(name), std::move(options)), fn_(std::move(fn)) {}
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override {
    auto [t, p] = detail::align(y_true, y_pred);
    return fn_(t, p);
  }

 private:
  LossFunction fn_;
};

using Factory = std::function<LossPtr(const json& config)>;

template <class L>
Factory plain() {
  return [](const json& c) { return std::make_shared<L>(detail::options_from_config(c)); };
}

const std::map<std::string, Factory>& builtin_classes() {
  static const std::map<std::string, Factory> classes = [] {
    std::map<std::string, Factory> m;
    m["MeanSquaredError"] = plain<MeanSquaredError>();
    m["MeanAbsoluteError"] = plain<MeanAbsoluteError>();
    m["MeanAbsolutePercentageError"] = plain<MeanAbsolutePercentageError>();
    m["MeanSquaredLogarithmicError"] = plain<MeanSquaredLogarithmicError>();
    m["LogCosh"] = plain<LogCosh>();
    m["KLDivergence"] = plain<KLDivergence>();
    m["Poisson"] = plain<Poisson>();
    m["Hinge"] = plain<Hinge>();
    m["SquaredHinge"] = plain<SquaredHinge>();
    m["CategoricalHinge"] = plain<CategoricalHinge>();
    m["Huber"] = [](const json& c) {
      LossOptions o = detail::options_from_config(c);
      return std::make_shared<Huber>(HuberOptions{.delta = detail::config_value(c, "delta", 1.0),
                                                  .reduction = o.reduction,
                                                  .name = o.name});
    };
    m["CosineSimilarity"] = [](const json& c) {
      LossOptions o = detail::options_from_config(c);
      return std::make_shared<CosineSimilarity>(
          CosineSimilarityOptions{.axis = detail::config_value<int64_t>(c, "axis", -1),
                                  .reduction = o.reduction,
                                  .name = o.name});
    };
    m["BinaryCrossentropy"] = [](const json& c) {
      LossOptions o = detail::options_from_config(c);
      return std::make_shared<BinaryCrossentropy>(BinaryCrossentropyOptions{
          .from_logits = detail::config_value(c, "from_logits", false),
          .label_smoothing = detail::config_value(c, "label_smoothing", 0.0),
          .axis = detail::config_value<int64_t>(c, "axis", -1),
          .reduction = o.reduction,
          .name = o.name});
    };
    m["CategoricalCrossentropy"] = [](const json& c) {
      LossOptions o = detail::options_from_config(c);
      return std::make_shared<CategoricalCrossentropy>(CategoricalCrossentropyOptions{
          .from_logits = detail::config_value(c, "from_logits", false),
          .label_smoothing = detail::config_value(c, "label_smoothing", 0.0),
          .axis = detail::config_value<int64_t>(c, "axis", -1),
          .reduction = o.reduction,
          .name = o.name});
    };
    m["SparseCategoricalCrossentropy"] = [](const json& c) {
      LossOptions o = detail::options_from_config(c);
      std::optional<int64_t> ignore_class;
      if (c.contains("ignore_class") && !c["ignore_class"].is_null())
        ignore_class = c["ignore_class"].get<int64_t>();
      return std::make_shared<SparseCategoricalCrossentropy>(SparseCategoricalCrossentropyOptions{
          .from_logits = detail::config_value(c, "from_logits", false),
          .ignore_class = ignore_class,
          .reduction = o.reduction,
          .name = o.name});
    };
    return m;
  }();
  return classes;
}

// Keras's string identifiers (function names and their aliases) -> class names.
const std::map<std::string, std::string>& aliases() {
  static const std::map<std::string, std::string> names = {
      {"mean_squared_error", "MeanSquaredError"},
      {"mse", "MeanSquaredError"},
      {"MSE", "MeanSquaredError"},
      {"mean_absolute_error", "MeanAbsoluteError"},
      {"mae", "MeanAbsoluteError"},
      {"MAE", "MeanAbsoluteError"},
      {"mean_absolute_percentage_error", "MeanAbsolutePercentageError"},
      {"mape", "MeanAbsolutePercentageError"},
      {"MAPE", "MeanAbsolutePercentageError"},
      {"mean_squared_logarithmic_error", "MeanSquaredLogarithmicError"},
      {"msle", "MeanSquaredLogarithmicError"},
      {"MSLE", "MeanSquaredLogarithmicError"},
      {"huber", "Huber"},
      {"huber_loss", "Huber"},
      {"log_cosh", "LogCosh"},
      {"logcosh", "LogCosh"},
      {"cosine_similarity", "CosineSimilarity"},
      {"binary_crossentropy", "BinaryCrossentropy"},
      {"categorical_crossentropy", "CategoricalCrossentropy"},
      {"sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"},
      {"kl_divergence", "KLDivergence"},
      {"kld", "KLDivergence"},
      {"KLD", "KLDivergence"},
      {"kullback_leibler_divergence", "KLDivergence"},
      {"poisson", "Poisson"},
      {"hinge", "Hinge"},
      {"squared_hinge", "SquaredHinge"},
      {"categorical_hinge", "CategoricalHinge"},
  };
  return names;
}

}  // namespace

Registry<LossPtr>& loss_registry() {
  static Registry<LossPtr> registry("loss", "TANDEM_REGISTER_LOSS", builtin_classes());
  return registry;
}

LossPtr make_loss(std::string name, LossFunction fn, LossOptions options) {
  TANDEM_CHECK(fn != nullptr, ValueError, "make_loss expected a callable for loss '", name, "'");
  return std::make_shared<LossFunctionWrapper>(std::move(name), std::move(fn), std::move(options));
}

LossPtr get(const std::string& name) {
  auto alias = aliases().find(name);
  const std::string& class_name = alias != aliases().end() ? alias->second : name;
  if (loss_registry().contains(class_name)) return loss_registry().make(class_name, json::object());
  auto key = [](const auto& entry) -> const std::string& { return entry.first; };
  throw ValueError(::tandem::detail::concat(
      "unknown loss '", name, "'; known names: ", join(aliases(), key), ", ",
      join(loss_registry().names()), " (custom losses: TANDEM_REGISTER_LOSS)"));
}

json serialize(const Loss& loss) {
  return {{"class_name", loss.class_name()}, {"config", loss.get_config()}};
}

LossPtr deserialize(const json& json_value) {
  if (json_value.is_string()) return get(json_value.get<std::string>());
  TANDEM_CHECK(json_value.is_object() && json_value.contains("class_name") &&
                   json_value["class_name"].is_string(),
               ValueError,
               "losses::deserialize expected a name or {\"class_name\": ..., \"config\": {...}}, "
               "received ",
               json_value.dump());
  std::string class_name = json_value["class_name"].get<std::string>();
  json config = json_value.contains("config") ? json_value["config"] : json::object();
  if (class_name == "LossFunctionWrapper" && config.is_object()) {
    // A make_loss function, like a Keras loss function in custom_objects, is found by its name.
    std::string fn_name = config.value("name", std::string());
    TANDEM_CHECK(loss_registry().contains(fn_name), ValueError, "unknown loss class '", fn_name,
                 "' (a function made with make_loss): pass it in custom_objects or register it "
                 "with TANDEM_REGISTER_LOSS_FUNCTION(",
                 fn_name, ", fn)");
    return loss_registry().make(fn_name, config);
  }
  return loss_registry().deserialize(json_value);
}

void register_loss(const std::string& class_name, std::function<LossPtr(const json&)> from_config) {
  loss_registry().add(class_name, std::move(from_config));
}

bool register_loss_function(const std::string& name, LossFunction fn) {
  TANDEM_CHECK(fn != nullptr, ValueError, "register_loss_function('", name,
               "'): the function is empty");
  return loss_registry().add(name, [name, fn](const json& config) {
    return make_loss(name, fn, detail::options_from_config(config));
  });
}

}  // namespace tandem::losses
