#include "tandem/metrics/metric.h"

#include <functional>
#include <map>
#include <sstream>

#include "tandem/metrics/accuracy.h"
#include "tandem/metrics/confusion.h"
#include "tandem/metrics/crossentropy.h"
#include "tandem/metrics/reduce.h"
#include "tandem/metrics/regression.h"
#include "tandem/ops/creation.h"

namespace tandem::metrics {

Metric::Metric(std::string class_name, std::string name, DType dtype)
    : class_name_(std::move(class_name)), name_(std::move(name)), dtype_(dtype) {
  TANDEM_CHECK(!name_.empty(), ValueError, class_name_, " expected a non-empty metric name");
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

// Makes an M from its config: the name it was saved with, or Keras's default for the class (a
// metric made from its class name gets that default, as Keras's deserialize does).
template <class M, class Options>
Factory factory(std::string default_name) {
  return [default_name](const nlohmann::json& config) -> MetricPtr {
    Options options;
    options.name = config.value("name", default_name);
    return std::make_shared<M>(options);
  };
}

std::map<std::string, Factory> builtin_classes() {
  return {
      {"Mean", factory<Mean, MeanOptions>("mean")},
      {"Sum", factory<Sum, SumOptions>("sum")},
      {"Accuracy", factory<Accuracy, AccuracyOptions>("accuracy")},
      {"BinaryAccuracy", factory<BinaryAccuracy, BinaryAccuracyOptions>("binary_accuracy")},
      {"CategoricalAccuracy",
       factory<CategoricalAccuracy, CategoricalAccuracyOptions>("categorical_accuracy")},
      {"SparseCategoricalAccuracy",
       factory<SparseCategoricalAccuracy, SparseCategoricalAccuracyOptions>(
           "sparse_categorical_accuracy")},
      {"TopKCategoricalAccuracy", factory<TopKCategoricalAccuracy, TopKCategoricalAccuracyOptions>(
                                      "top_k_categorical_accuracy")},
      {"SparseTopKCategoricalAccuracy",
       factory<SparseTopKCategoricalAccuracy, SparseTopKCategoricalAccuracyOptions>(
           "sparse_top_k_categorical_accuracy")},
      {"Precision", factory<Precision, PrecisionOptions>("precision")},
      {"Recall", factory<Recall, RecallOptions>("recall")},
      {"AUC", factory<AUC, AUCOptions>("auc")},
      {"MeanSquaredError",
       factory<MeanSquaredError, MeanSquaredErrorOptions>("mean_squared_error")},
      {"MeanAbsoluteError",
       factory<MeanAbsoluteError, MeanAbsoluteErrorOptions>("mean_absolute_error")},
      {"RootMeanSquaredError",
       factory<RootMeanSquaredError, RootMeanSquaredErrorOptions>("root_mean_squared_error")},
      {"CosineSimilarity", factory<CosineSimilarity, CosineSimilarityOptions>("cosine_similarity")},
      {"BinaryCrossentropy",
       factory<BinaryCrossentropy, BinaryCrossentropyOptions>("binary_crossentropy")},
      {"CategoricalCrossentropy", factory<CategoricalCrossentropy, CategoricalCrossentropyOptions>(
                                      "categorical_crossentropy")},
      {"SparseCategoricalCrossentropy",
       factory<SparseCategoricalCrossentropy, SparseCategoricalCrossentropyOptions>(
           "sparse_categorical_crossentropy")},
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
