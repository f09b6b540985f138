#include "tandem/data/csv_dataset.h"

#include <algorithm>

#include "tandem/core/mutable_tensor.h"

namespace tandem::data {

namespace {

// One file's rows, read by a CsvReader opened when the iteration starts.
class CsvRowNode : public DatasetNode {
 public:
  CsvRowNode(std::string filename, CsvReaderOptions options, std::string label_name)
      : filename_(std::move(filename)),
        options_(std::move(options)),
        label_name_(std::move(label_name)) {}
  int64_t cardinality() const override { return UNKNOWN_CARDINALITY; }
  std::unique_ptr<IteratorBase> make_iterator(const IteratorContext&) const override {
    return std::make_unique<RowIterator>(filename_, options_, label_name_);
  }

 private:
  class RowIterator : public IteratorBase {
   public:
    RowIterator(const std::string& filename, const CsvReaderOptions& options,
                const std::string& label_name)
        : reader_(filename, options) {
      const auto& names = reader_.column_names();
      for (size_t i = 0; i < names.size(); ++i) {
        if (names[i] != label_name) order_.push_back(i);
      }
      auto label = std::find(names.begin(), names.end(), label_name);
      if (!label_name.empty()) {
        TANDEM_CHECK(label != names.end(), ValueError, "make_csv_dataset: label_name '", label_name,
                     "' is not a selected column of '", filename, "'");
        order_.push_back(static_cast<size_t>(label - names.begin()));
      }
      for (size_t i : order_) names_.push_back(names[i]);
    }
    std::optional<Element> next() override {
      std::optional<std::vector<Tensor>> row = reader_.next();
      if (!row) return std::nullopt;
      std::vector<Tensor> values;
      values.reserve(order_.size());
      for (size_t i : order_) values.push_back(std::move((*row)[i]));
      return Element::named(names_, std::move(values));
    }

   private:
    CsvReader reader_;
    std::vector<size_t> order_;  // reader column of each output component
    std::vector<std::string> names_;
  };

  std::string filename_;
  CsvReaderOptions options_;
  std::string label_name_;
};

// Widening order of inferred column types.
int type_level(DType t) {
  switch (t) {
    case DType::kInt32:
      return 0;
    case DType::kInt64:
      return 1;
    case DType::kFloat32:
      return 2;
    default:
      return 3;
  }
}

std::vector<std::string> resolve_files(const std::vector<std::string>& patterns) {
  std::vector<std::string> files;
  for (const Element& e : Dataset::list_files(patterns, /*shuffle=*/false).collect()) {
    files.push_back(e[0].item<std::string>());
  }
  return files;
}

// One spec per file column, the same for every file, so all files yield the same dtypes.
std::vector<CsvColumnSpec> resolve_specs(const std::vector<std::string>& files,
                                         const CsvReaderOptions& base,
                                         const CsvDatasetOptions& options,
                                         std::vector<std::string>* all_names) {
  CsvReaderOptions probe = base;
  probe.select_columns.clear();
  probe.column_defaults.clear();
  std::vector<CsvColumnSpec> specs;
  for (size_t f = 0; f < files.size(); ++f) {
    CsvReader reader(files[f], probe);
    if (f == 0) {
      *all_names = reader.column_names();
      specs.resize(all_names->size());
      for (auto& s : specs) s.dtype = DType::kInt32;
    }
    TANDEM_CHECK(reader.column_names() == *all_names, ValueError, "make_csv_dataset: '", files[f],
                 "' has different columns than '", files[0], "'");
    if (!options.column_defaults.empty()) break;  // types given: only the names were needed
    for (size_t c = 0; c < specs.size(); ++c) {
      DType t = reader.column_types()[c];
      if (type_level(t) > type_level(specs[c].dtype)) specs[c].dtype = t;
    }
  }
  const auto& given = options.column_defaults;
  if (given.empty()) return specs;
  if (given.size() == all_names->size()) return given;
  const auto& select = options.select_columns;
  TANDEM_CHECK(!select.empty() && given.size() == select.size(), ValueError,
               "make_csv_dataset: expected one column_default per column (", all_names->size(),
               ") or per selected column (", select.size(), "), received ", given.size());
  // Defaults follow select_columns' order; unselected columns are never parsed.
  for (size_t k = 0; k < select.size(); ++k) {
    auto it = std::find(all_names->begin(), all_names->end(), select[k]);
    TANDEM_CHECK(it != all_names->end(), ValueError, "make_csv_dataset: select_columns names '",
                 select[k], "', not a column of '", files[0], "'");
    specs[static_cast<size_t>(it - all_names->begin())] = given[k];
  }
  for (size_t c = 0; c < specs.size(); ++c) {
    if (std::find(select.begin(), select.end(), (*all_names)[c]) == select.end()) {
      specs[c] = CsvColumnSpec{.dtype = DType::kString, .default_value = ""};
    }
  }
  return specs;
}

}  // namespace

Dataset CsvRowDataset(const std::string& filename, const CsvReaderOptions& options,
                      const std::string& label_name) {
  return Dataset(std::make_shared<CsvRowNode>(filename, options, label_name));
}

Dataset make_csv_dataset(const std::string& file_pattern, const CsvDatasetOptions& options) {
  return make_csv_dataset(std::vector<std::string>{file_pattern}, options);
}

Dataset make_csv_dataset(const std::vector<std::string>& file_patterns,
                         const CsvDatasetOptions& options) {
  TANDEM_CHECK(options.batch_size > 0, ValueError,
               "make_csv_dataset: batch_size must be positive, received ", options.batch_size);
  TANDEM_CHECK(options.num_epochs >= -1, ValueError,
               "make_csv_dataset: num_epochs must be -1 (forever) or at least 0, received ",
               options.num_epochs);
  TANDEM_CHECK(!options.shuffle || options.shuffle_buffer_size > 0, ValueError,
               "make_csv_dataset: shuffle_buffer_size must be positive, received ",
               options.shuffle_buffer_size);
  std::vector<std::string> files = resolve_files(file_patterns);

  CsvReaderOptions reader{.header = options.header,
                          .field_delim = options.field_delim,
                          .use_quote_delim = options.use_quote_delim,
                          .na_value = options.na_value,
                          .column_names = options.column_names,
                          .column_defaults = {},
                          .select_columns = options.select_columns,
                          .skip_bad_rows = options.ignore_errors,
                          .num_rows_for_inference = options.num_rows_for_inference};
  std::vector<std::string> all_names;
  reader.column_defaults = resolve_specs(files, reader, options, &all_names);
  // Validate the selection and label now rather than at the first element.
  CsvReader check(files[0], reader);
  const auto& selected = check.column_names();
  TANDEM_CHECK(options.label_name.empty() || std::find(selected.begin(), selected.end(),
                                                       options.label_name) != selected.end(),
               ValueError, "make_csv_dataset: label_name '", options.label_name,
               "' is not among the selected columns");

  MutableTensor names = MutableTensor::empty(Shape{static_cast<int64_t>(files.size())},
                                             DType::kString, Device::cpu());
  std::copy(files.begin(), files.end(), names.mutable_data<std::string>());
  Dataset ds = Dataset::from_tensor_slices(std::move(names).freeze());
  if (options.shuffle) {
    ds = ds.shuffle(static_cast<int64_t>(files.size()), options.shuffle_seed);
  }
  std::string label = options.label_name;
  int64_t reads = std::max<int64_t>(1, options.num_parallel_reads);
  ds = ds.interleave(
      [reader, label](const Element& f) {
        return CsvRowDataset(f[0].item<std::string>(), reader, label);
      },
      {.cycle_length = reads, .block_length = 1, .num_parallel_calls = reads > 1 ? reads : 0});
  if (options.shuffle) ds = ds.shuffle(options.shuffle_buffer_size, options.shuffle_seed);
  if (options.num_epochs != 1) ds = ds.repeat(options.num_epochs);
  ds = ds.batch(options.batch_size);
  if (options.prefetch_buffer_size != 0) ds = ds.prefetch(options.prefetch_buffer_size);
  return ds;
}

}  // namespace tandem::data
