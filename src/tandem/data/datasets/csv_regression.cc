#include "tandem/data/datasets/csv_regression.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

namespace tandem::datasets::csv_regression {
namespace {

// Rows `idx` of a row-major [rows, cols] table.
Tensor gather_rows(const std::vector<float>& table, int64_t cols, const std::vector<size_t>& idx,
                   bool flat) {
  std::vector<float> out;
  out.reserve(idx.size() * cols);
  for (size_t r : idx)
    out.insert(out.end(), table.begin() + r * cols, table.begin() + (r + 1) * cols);
  auto n = static_cast<int64_t>(idx.size());
  return Tensor::from_vector(out, flat ? Shape{n} : Shape{n, cols}, Device::cpu());
}

}  // namespace

TrainTestSplit load_data(const std::string& path, const LoadOptions& options) {
  TANDEM_CHECK(options.test_split >= 0 && options.test_split < 1, ValueError,
               "csv_regression.load_data: test_split must be in [0, 1), received ",
               options.test_split);
  data::CsvReader reader(path, options.csv);
  const auto& names = reader.column_names();
  size_t label = names.size() - 1;
  if (!options.label_column.empty()) {
    auto it = std::find(names.begin(), names.end(), options.label_column);
    TANDEM_CHECK(it != names.end(), ValueError, "csv_regression.load_data: label_column '",
                 options.label_column, "' is not a column of '", path, "'");
    label = static_cast<size_t>(it - names.begin());
  }
  TANDEM_CHECK(names.size() >= 2, ValueError, "csv_regression.load_data: '", path,
               "' needs at least one feature column and a label column, received ", names.size(),
               " column(s)");
  for (size_t c = 0; c < names.size(); ++c) {
    TANDEM_CHECK(reader.column_types()[c] != DType::kString, TypeError,
                 "csv_regression.load_data: column '", names[c], "' of '", path,
                 "' is not numeric");
  }
  auto features = static_cast<int64_t>(names.size() - 1);
  std::vector<float> x, y;
  while (auto batch = reader.next_batch(4096)) {
    std::vector<std::vector<float>> cols;
    for (const auto& t : *batch) cols.push_back(t.to_vector<float>());
    for (size_t r = 0; r < cols[0].size(); ++r) {
      for (size_t c = 0; c < cols.size(); ++c) (c == label ? y : x).push_back(cols[c][r]);
    }
  }
  std::vector<size_t> order(y.size());
  std::iota(order.begin(), order.end(), 0);
  if (options.shuffle) std::shuffle(order.begin(), order.end(), std::mt19937_64(options.seed));
  auto n_train = static_cast<size_t>(std::llround(order.size() * (1.0 - options.test_split)));
  std::vector<size_t> train(order.begin(), order.begin() + n_train);
  std::vector<size_t> test(order.begin() + n_train, order.end());
  return {{gather_rows(x, features, train, false), gather_rows(y, 1, train, true)},
          {gather_rows(x, features, test, false), gather_rows(y, 1, test, true)}};
}

}  // namespace tandem::datasets::csv_regression
