#include "tandem/metrics/metric.h"

#include <functional>
#include <map>
#include <sstream>

#include "tandem/metrics/accuracy.h"
#include "tandem/metrics/confusion.h"
#include "tandem/metrics/crossentropy.h"
#include "tandem/metrics/iou.h"
#include "tandem/metrics/reduce.h"
#include "tandem/metrics/regression.h"
#include "tandem/ops/creation.h"

namespace tandem::metrics {

Metric::Metric(std::string class_name, std::string name, DType dtype)
    : class_name_(std::move(class_name)), name_(std::move(name)), dtype_(dtype) {
  TANDEM_CHECK(!name_.empty(), ValueError, class_name_, " expected a non-empty metric name");
}

Tensor Metric::operator()(const Tensor& y_true, const Tensor& y_pred,
                          const std::optional<Tensor>& sample_weight) {
  update_state(y_true, y_pred, sample_weight);
  return result();
}

void Metric::reset_state() {
  for (Variable& v : variables_) v.assign(zeros(v.shape(), v.dtype(), v.device()));
}

nlohmann::json Metric::get_config() const {
  return {{"name", name_}, {"dtype", dtype_name(dtype_)}};
}

Variable Metric::add_weight(const std::string& name, const Shape& shape,
                            std::optional<DType> dtype) {
  Variable v(zeros(shape, dtype.value_or(dtype_)),
             {.name = name_ + "/" + name, .trainable = false, .dtype = std::nullopt});
  variables_.push_back(v);
  return v;
}

namespace {

using Factory = Registry<MetricPtr>::Factory;
using nlohmann::json;

// Makes an M from its config: the name and dtype it was saved with (or Keras's defaults: a metric
// made from its class name gets its class's default name, as Keras's deserialize does), then the
// class's own hyperparameters, read by `extra` from the keys its get_config writes.
template <class M, class Options>
Factory factory(std::function<void(const json&, Options&)> extra = nullptr) {
  return [extra](const json& config) -> MetricPtr {
    Options options;
    options.name = config.value("name", options.name);
    if (config.contains("dtype") && config["dtype"].is_string()) {
      options.dtype = dtype_from_name(config["dtype"].get<std::string>());
    }
    if (extra) extra(config, options);
    return std::make_shared<M>(options);
  };
}

template <class T>
std::optional<T> optional_value(const json& config, const char* key) {
  if (!config.contains(key) || config[key].is_null()) return std::nullopt;
  return config[key].get<T>();
}

// Precision's and Recall's thresholds: null, one number, or a list.
std::vector<double> thresholds_value(const json& config) {
  if (!config.contains("thresholds") || config["thresholds"].is_null()) return {};
  if (config["thresholds"].is_number()) return {config["thresholds"].get<double>()};
  return config["thresholds"].get<std::vector<double>>();
}

template <class Options>
void read_confusion(const json& c, Options& o) {
  o.thresholds = thresholds_value(c);
  o.top_k = optional_value<int64_t>(c, "top_k");
  o.class_id = optional_value<int64_t>(c, "class_id");
}

template <class Options>
void read_k(const json& c, Options& o) {
  o.k = c.value("k", o.k);
}

std::map<std::string, Factory> builtin_classes() {
  return {
      {"Mean", factory<Mean, MeanOptions>()},
      {"Sum", factory<Sum, SumOptions>()},
      {"Accuracy", factory<Accuracy, AccuracyOptions>()},
      {"BinaryAccuracy",
       factory<BinaryAccuracy, BinaryAccuracyOptions>([](const json& c, BinaryAccuracyOptions& o) {
         o.threshold = c.value("threshold", o.threshold);
       })},
      {"CategoricalAccuracy", factory<CategoricalAccuracy, CategoricalAccuracyOptions>()},
      {"SparseCategoricalAccuracy",
       factory<SparseCategoricalAccuracy, SparseCategoricalAccuracyOptions>()},
      {"TopKCategoricalAccuracy", factory<TopKCategoricalAccuracy, TopKCategoricalAccuracyOptions>(
                                      read_k<TopKCategoricalAccuracyOptions>)},
      {"SparseTopKCategoricalAccuracy",
       factory<SparseTopKCategoricalAccuracy, SparseTopKCategoricalAccuracyOptions>(
           read_k<SparseTopKCategoricalAccuracyOptions>)},
      {"Precision", factory<Precision, PrecisionOptions>(read_confusion<PrecisionOptions>)},
      {"Recall", factory<Recall, RecallOptions>(read_confusion<RecallOptions>)},
      {"AUC", factory<AUC, AUCOptions>([](const json& c, AUCOptions& o) {
         o.num_thresholds = c.value("num_thresholds", o.num_thresholds);
         o.curve = c.value("curve", o.curve);
         o.summation_method = c.value("summation_method", o.summation_method);
         if (c.contains("thresholds") && c["thresholds"].is_array()) {
           o.thresholds = c["thresholds"].get<std::vector<double>>();
         }
       })},
      {"MeanSquaredError", factory<MeanSquaredError, MeanSquaredErrorOptions>()},
      {"MeanAbsoluteError", factory<MeanAbsoluteError, MeanAbsoluteErrorOptions>()},
      {"RootMeanSquaredError", factory<RootMeanSquaredError, RootMeanSquaredErrorOptions>()},
      {"CosineSimilarity",
       factory<CosineSimilarity, CosineSimilarityOptions>(
           [](const json& c, CosineSimilarityOptions& o) { o.axis = c.value("axis", o.axis); })},
      {"BinaryCrossentropy", factory<BinaryCrossentropy, BinaryCrossentropyOptions>(
                                 [](const json& c, BinaryCrossentropyOptions& o) {
                                   o.from_logits = c.value("from_logits", o.from_logits);
                                   o.label_smoothing =
                                       c.value("label_smoothing", o.label_smoothing);
                                 })},
      {"CategoricalCrossentropy", factory<CategoricalCrossentropy, CategoricalCrossentropyOptions>(
                                      [](const json& c, CategoricalCrossentropyOptions& o) {
                                        o.from_logits = c.value("from_logits", o.from_logits);
                                        o.label_smoothing =
                                            c.value("label_smoothing", o.label_smoothing);
                                        o.axis = c.value("axis", o.axis);
                                      })},
      {"SparseCategoricalCrossentropy",
       factory<SparseCategoricalCrossentropy, SparseCategoricalCrossentropyOptions>(
           [](const json& c, SparseCategoricalCrossentropyOptions& o) {
             o.from_logits = c.value("from_logits", o.from_logits);
             o.ignore_class = optional_value<int64_t>(c, "ignore_class");
             o.axis = c.value("axis", o.axis);
           })},
      // MeanIoU needs num_classes, so get("MeanIoU") is refused; its saved config has it.
      {"MeanIoU",
       [](const json& c) -> MetricPtr {
         MeanIoUOptions o;
         o.name = c.value("name", o.name);
         o.ignore_class = optional_value<int64_t>(c, "ignore_class");
         o.sparse_y_true = c.value("sparse_y_true", o.sparse_y_true);
         o.sparse_y_pred = c.value("sparse_y_pred", o.sparse_y_pred);
         o.axis = c.value("axis", o.axis);
         return std::make_shared<MeanIoU>(c.at("num_classes").get<int64_t>(), o);
       }},
  };
}

// Function-style names and aliases: the metric keeps the name it was asked for ("mse" logs as
// "mse"), as Keras compile does.
const std::map<std::string, std::string>& alias_table() {
  static const std::map<std::string, std::string> table = {
      {"mean", "Mean"},
      {"sum", "Sum"},
      {"accuracy", "Accuracy"},
      {"acc", "Accuracy"},
      {"binary_accuracy", "BinaryAccuracy"},
      {"categorical_accuracy", "CategoricalAccuracy"},
      {"sparse_categorical_accuracy", "SparseCategoricalAccuracy"},
      {"top_k_categorical_accuracy", "TopKCategoricalAccuracy"},
      {"sparse_top_k_categorical_accuracy", "SparseTopKCategoricalAccuracy"},
      {"precision", "Precision"},
      {"recall", "Recall"},
      {"auc", "AUC"},
      {"mean_squared_error", "MeanSquaredError"},
      {"mse", "MeanSquaredError"},
      {"MSE", "MeanSquaredError"},
      {"mean_absolute_error", "MeanAbsoluteError"},
      {"mae", "MeanAbsoluteError"},
      {"MAE", "MeanAbsoluteError"},
      {"root_mean_squared_error", "RootMeanSquaredError"},
      {"rmse", "RootMeanSquaredError"},
      {"cosine_similarity", "CosineSimilarity"},
      {"binary_crossentropy", "BinaryCrossentropy"},
      {"categorical_crossentropy", "CategoricalCrossentropy"},
      {"sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"},
  };
  return table;
}

std::string known_names() {
  std::ostringstream out;
  const char* sep = "";
  for (const std::string& name : metric_registry().names()) {
    out << sep << name;
    sep = ", ";
  }
  for (const auto& [alias, cls] : alias_table()) out << sep << alias;
  return out.str();
}

bool is_accuracy(const std::string& name) { return name == "accuracy" || name == "acc"; }
bool is_crossentropy(const std::string& name) { return name == "crossentropy" || name == "ce"; }

}  // namespace

MetricPtr get(const std::string& name) {
  TANDEM_CHECK(name != "MeanIoU" && name != "mean_io_u", ValueError,
               "metric 'MeanIoU' needs num_classes: construct metrics::MeanIoU(num_classes)");
  TANDEM_CHECK(!is_crossentropy(name), ValueError, "metric '", name,
               "' depends on the shapes of y_true and y_pred: use metrics::resolve(name, "
               "y_true_shape, y_pred_shape)");
  if (metric_registry().contains(name))
    return metric_registry().make(name, nlohmann::json::object());
  const auto& aliases = alias_table();
  auto it = aliases.find(name);
  TANDEM_CHECK(it != aliases.end(), ValueError, "unknown metric '", name,
               "'; known metrics: ", known_names(), " (custom metrics: TANDEM_REGISTER_METRIC)");
  return metric_registry().make(it->second, {{"name", name}});
}

Registry<MetricPtr>& metric_registry() {
  static Registry<MetricPtr> registry("metric", "TANDEM_REGISTER_METRIC", builtin_classes());
  return registry;
}

nlohmann::json serialize(const Metric& metric) {
  return {{"class_name", metric.class_name()}, {"config", metric.get_config()}};
}

MetricPtr deserialize(const nlohmann::json& serialized) {
  if (serialized.is_string()) return get(serialized.get<std::string>());
  return metric_registry().deserialize(serialized);
}

MetricPtr resolve(const std::string& name, const Shape& y_true_shape, const Shape& y_pred_shape) {
  if (!is_accuracy(name) && !is_crossentropy(name)) return get(name);
  TANDEM_CHECK(y_pred_shape.rank() >= 1 && y_true_shape.rank() >= 1, ValueError, "metric '", name,
               "' expected y_true and y_pred of rank >= 1, received ", y_true_shape.to_string(),
               " and ", y_pred_shape.to_string());
  // Keras 2.11 compile_utils: binary when y_pred ends in 1, sparse when y_true has lower rank or
  // ends in 1 against more than 1 class, categorical otherwise.
  const int64_t pred_last = y_pred_shape.dim(-1);
  const int64_t true_last = y_true_shape.dim(-1);
  const bool binary = pred_last == 1;
  const bool sparse =
      y_true_shape.rank() < y_pred_shape.rank() || (true_last == 1 && pred_last > 1);
  if (is_accuracy(name)) {
    if (binary) return std::make_shared<BinaryAccuracy>(BinaryAccuracyOptions{.name = name});
    if (sparse) {
      return std::make_shared<SparseCategoricalAccuracy>(
          SparseCategoricalAccuracyOptions{.name = name});
    }
    return std::make_shared<CategoricalAccuracy>(CategoricalAccuracyOptions{.name = name});
  }
  if (binary) return std::make_shared<BinaryCrossentropy>(BinaryCrossentropyOptions{.name = name});
  if (sparse) {
    return std::make_shared<SparseCategoricalCrossentropy>(
        SparseCategoricalCrossentropyOptions{.name = name});
  }
  return std::make_shared<CategoricalCrossentropy>(CategoricalCrossentropyOptions{.name = name});
}

}  // namespace tandem::metrics
