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

// Makes a metric named `name`.
using Factory = std::function<MetricPtr(const std::string& name)>;

template <class M, class Options>
Factory factory() {
  return [](const std::string& name) {
    Options options;
    options.name = name;
    return std::make_shared<M>(options);
  };
}

struct Entry {
  Factory make;
  std::string default_name;  // Keras's default for the class
};

// Class names: a metric made from one gets its class's default name, as Keras's deserialize does.
const std::map<std::string, Entry>& class_table() {
  static const std::map<std::string, Entry> table = {
      {"Mean", {factory<Mean, MeanOptions>(), "mean"}},
      {"Sum", {factory<Sum, SumOptions>(), "sum"}},
      {"Accuracy", {factory<Accuracy, AccuracyOptions>(), "accuracy"}},
      {"BinaryAccuracy", {factory<BinaryAccuracy, BinaryAccuracyOptions>(), "binary_accuracy"}},
      {"CategoricalAccuracy",
       {factory<CategoricalAccuracy, CategoricalAccuracyOptions>(), "categorical_accuracy"}},
      {"SparseCategoricalAccuracy",
       {factory<SparseCategoricalAccuracy, SparseCategoricalAccuracyOptions>(),
        "sparse_categorical_accuracy"}},
      {"TopKCategoricalAccuracy",
       {factory<TopKCategoricalAccuracy, TopKCategoricalAccuracyOptions>(),
        "top_k_categorical_accuracy"}},
      {"SparseTopKCategoricalAccuracy",
       {factory<SparseTopKCategoricalAccuracy, SparseTopKCategoricalAccuracyOptions>(),
        "sparse_top_k_categorical_accuracy"}},
      {"Precision", {factory<Precision, PrecisionOptions>(), "precision"}},
      {"Recall", {factory<Recall, RecallOptions>(), "recall"}},
      {"AUC", {factory<AUC, AUCOptions>(), "auc"}},
      {"MeanSquaredError",
       {factory<MeanSquaredError, MeanSquaredErrorOptions>(), "mean_squared_error"}},
      {"MeanAbsoluteError",
       {factory<MeanAbsoluteError, MeanAbsoluteErrorOptions>(), "mean_absolute_error"}},
      {"RootMeanSquaredError",
       {factory<RootMeanSquaredError, RootMeanSquaredErrorOptions>(), "root_mean_squared_error"}},
      {"CosineSimilarity",
       {factory<CosineSimilarity, CosineSimilarityOptions>(), "cosine_similarity"}},
      {"BinaryCrossentropy",
       {factory<BinaryCrossentropy, BinaryCrossentropyOptions>(), "binary_crossentropy"}},
      {"CategoricalCrossentropy",
       {factory<CategoricalCrossentropy, CategoricalCrossentropyOptions>(),
        "categorical_crossentropy"}},
      {"SparseCategoricalCrossentropy",
       {factory<SparseCategoricalCrossentropy, SparseCategoricalCrossentropyOptions>(),
        "sparse_categorical_crossentropy"}},
  };
  return table;
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
  for (const auto& [name, entry] : class_table()) {
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
  const auto& classes = class_table();
  if (auto it = classes.find(name); it != classes.end()) {
    return it->second.make(it->second.default_name);
  }
  const auto& aliases = alias_table();
  auto it = aliases.find(name);
  TANDEM_CHECK(it != aliases.end(), ValueError, "unknown metric '", name,
               "'; known metrics: ", known_names());
  return classes.at(it->second).make(name);
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
