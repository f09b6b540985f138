// Row-by-row CSV reading with typed columns: the parsing half of make_csv_dataset / CsvDataset
// (tf.data.experimental). The Dataset layer wraps a CsvReader; this file knows nothing of Datasets.
//
// Errors name the file, the 1-based line and the column: "'data.csv':7 column 'price' (index 2):
// cannot parse 'abc' as float32". With skip_bad_rows such rows are skipped and counted instead.
#pragma once

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "tandem/core/tensor.h"

namespace tandem::data {

// Type and default of one CSV column (an entry of make_csv_dataset's column_defaults). A column
// without a default is required: an empty (or na_value) field is an error.
struct CsvColumnSpec {
  DType dtype = DType::kFloat32;  // float32, float64, int32, int64 or string
  std::optional<std::string> default_value = std::nullopt;  // text, parsed as dtype
};

struct CsvReaderOptions {
  bool header = true;  // the first line holds the column names
  char field_delim = ',';
  bool use_quote_delim = true;  // "a, b" is one field; "" inside quotes is a quote
  std::string na_value = "";    // a field equal to this counts as missing
  // Names of all columns in file order; required when header is false, overrides the header.
  std::vector<std::string> column_names = {};
  // One spec per column of the file, in file order; empty = types inferred from the first rows
  // (int32, int64, float32, else string) with no defaults.
  std::vector<CsvColumnSpec> column_defaults = {};
  // Columns to return, by name (empty = all), returned in file order.
  std::vector<std::string> select_columns = {};
  bool skip_bad_rows = false;  // tf.data's ignore_errors
  int64_t num_rows_for_inference = 100;
};

class CsvReader {
 public:
  // Opens `path` and reads the header; throws IOError naming it when it cannot be read, ValueError
  // for inconsistent options (unknown selected column, wrong number of defaults or names).
  explicit CsvReader(std::string path, CsvReaderOptions options = {});

  // Names and dtypes of the selected columns, in the order values are returned.
  const std::vector<std::string>& column_names() const { return names_; }
  const std::vector<DType>& column_types() const { return types_; }

  // The next row as one scalar tensor per selected column; nullopt at the end of the file.
  std::optional<std::vector<Tensor>> next();
  // Up to max_rows rows as one 1-D tensor per selected column; nullopt at the end of the file.
  std::optional<std::vector<Tensor>> next_batch(int64_t max_rows);

  const std::string& path() const { return path_; }
  int64_t num_skipped() const { return num_skipped_; }

 private:
  struct Columns;  // typed buffers of parsed values, one per selected column
  // Reads the next record's fields (joining lines inside quotes); false at the end of the file.
  bool read_record(std::vector<std::string>* fields);
  // Parses one record into `out`; false when it was bad and skipped (skip_bad_rows).
  bool parse_record(const std::vector<std::string>& fields, Columns* out);
  void resolve_columns(const std::vector<std::string>& all_names);
  std::vector<CsvColumnSpec> infer_specs(size_t num_columns);

  std::string path_;
  CsvReaderOptions options_;
  std::ifstream in_;
  int64_t line_ = 0;         // lines consumed so far
  int64_t record_line_ = 0;  // first line of the record being parsed
  int64_t num_skipped_ = 0;
  size_t num_file_columns_ = 0;
  std::vector<std::string> all_names_;
  std::vector<CsvColumnSpec> specs_;  // per file column
  std::vector<size_t> selected_;      // file column index of each selected column
  std::vector<std::string> names_;
  std::vector<DType> types_;
};

// Splits one CSV line into fields (exposed for tests and the TextLine layer).
std::vector<std::string> split_csv_line(const std::string& line, char delim, bool use_quote_delim);

}  // namespace tandem::data
