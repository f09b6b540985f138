// make_csv_dataset: batches of CSV rows as name->tensor maps, like
// tf.data.experimental.make_csv_dataset. Built on CsvReader (readers/csv_reader.h), which does the
// parsing and names file:line and column in its errors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tandem/data/dataset.h"
#include "tandem/data/readers/csv_reader.h"

namespace tandem::data {

struct CsvDatasetOptions {
  int64_t batch_size = 1;
  // Names of all columns in file order; empty = read from the header line.
  std::vector<std::string> column_names = {};
  // Type and default per column: one per file column, or one per entry of select_columns. Empty:
  // types inferred from the first num_rows_for_inference rows of every file (int32 -> int64 ->
  // float32 -> string, the widest seen in any file wins), no defaults (empty fields are errors).
  std::vector<CsvColumnSpec> column_defaults = {};
  // The column holding the label; it comes last in each element, after the features. Empty: none.
  std::string label_name = "";
  // Columns to keep, by name (empty = all); the label must be among them. Kept in file order.
  std::vector<std::string> select_columns = {};
  bool header = true;
  char field_delim = ',';
  bool use_quote_delim = true;
  std::string na_value = "";  // a field equal to this is missing (takes the column default)
  // Passes over the files; -1 repeats forever (TensorFlow's num_epochs=None).
  int64_t num_epochs = -1;
  // Shuffles the file order and the rows (a buffer of shuffle_buffer_size rows).
  bool shuffle = true;
  int64_t shuffle_buffer_size = 10000;
  std::optional<uint64_t> shuffle_seed = std::nullopt;
  // Batches prepared ahead on a background thread; 0: no prefetch.
  int64_t prefetch_buffer_size = AUTOTUNE;
  // Files read at once (interleaved row by row); > 1 reads them on that many threads.
  int64_t num_parallel_reads = 1;
  int64_t num_rows_for_inference = 100;
  // Skip rows with a wrong field count or an unparsable value instead of raising.
  bool ignore_errors = false;
};

// Reads the CSV files matching file_pattern (a glob, or several). Elements are name->tensor maps:
// one 1-D tensor of batch_size values per selected column, label last. Column names and types are
// resolved (and files opened) here, so a missing file or a bad option fails at once; a bad row
// raises ValueError naming 'file':line and the column when it is reached.
Dataset make_csv_dataset(const std::string& file_pattern, const CsvDatasetOptions& options = {});
Dataset make_csv_dataset(const std::vector<std::string>& file_patterns,
                         const CsvDatasetOptions& options = {});

// The rows of one CSV file as name->scalar maps (unbatched, in file order), with the reader's
// options as given; label_name (if not empty) is moved last. The building block of
// make_csv_dataset.
Dataset CsvRowDataset(const std::string& filename, const CsvReaderOptions& options = {},
                      const std::string& label_name = "");

}  // namespace tandem::data
