#include "tandem/data/readers/csv_reader.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <limits>
#include <variant>

namespace tandem::data {
namespace {

using Value = std::variant<int64_t, double, std::string>;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool parse_int(std::string_view s, int64_t* out) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

bool parse_float(std::string_view s, double* out) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

// Parses `text` as `dtype`; false when it does not parse or does not fit.
bool parse_value(const std::string& text, DType dtype, Value* out) {
  switch (dtype) {
    case DType::kInt32:
    case DType::kInt64: {
      int64_t v = 0;
      if (!parse_int(text, &v)) return false;
      if (dtype == DType::kInt32 &&
          (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())) {
        return false;
      }
      *out = v;
      return true;
    }
    case DType::kFloat32:
    case DType::kFloat64: {
      double v = 0;
      if (!parse_float(text, &v)) return false;
      *out = v;
      return true;
    }
    case DType::kString:
      *out = text;
      return true;
    default:
      return false;
  }
}

void check_column_dtype(DType t, const std::string& name) {
  TANDEM_CHECK(t == DType::kInt32 || t == DType::kInt64 || t == DType::kFloat32 ||
                   t == DType::kFloat64 || t == DType::kString,
               TypeError, "CsvReader: column '", name, "' has dtype ", dtype_name(t),
               "; CSV columns are float32, float64, int32, int64 or string");
}

// Number of unescaped quote characters: odd means the record continues on the next line.
bool quotes_balanced(const std::string& s) { return std::count(s.begin(), s.end(), '"') % 2 == 0; }

}  // namespace

std::vector<std::string> split_csv_line(const std::string& line, char delim, bool use_quote_delim) {
  std::vector<std::string> fields(1);
  bool in_quotes = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    std::string& field = fields.back();
    if (use_quote_delim && in_quotes) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        field.push_back(c);
      }
    } else if (use_quote_delim && c == '"' && field.empty()) {
      in_quotes = true;
    } else if (c == delim) {
      fields.emplace_back();
    } else {
      field.push_back(c);
    }
  }
  return fields;
}

// Parsed values of the selected columns, one typed buffer each.
struct CsvReader::Columns {
  std::vector<std::vector<int64_t>> ints;
  std::vector<std::vector<double>> floats;
  std::vector<std::vector<std::string>> strings;
  int64_t rows = 0;
  explicit Columns(size_t n) : ints(n), floats(n), strings(n) {}
};

CsvReader::CsvReader(std::string path, CsvReaderOptions options)
    : path_(std::move(path)), options_(std::move(options)), in_(path_, std::ios::binary) {
  std::error_code ec;
  TANDEM_CHECK(!std::filesystem::is_directory(path_, ec), IOError, "CsvReader: '", path_,
               "' is a directory, not a CSV file");
  TANDEM_CHECK(in_.is_open(), IOError, "CsvReader: cannot open '", path_, "'");
  std::vector<std::string> header;
  if (options_.header) {
    TANDEM_CHECK(read_record(&header), IOError, "CsvReader: '", path_,
                 "' is empty, expected a header line");
  }
  std::vector<std::string> names = options_.column_names.empty() ? header : options_.column_names;
  TANDEM_CHECK(!names.empty(), ValueError, "CsvReader: '", path_,
               "': column_names are required when header is false");
  TANDEM_CHECK(header.empty() || header.size() == names.size(), ValueError, "CsvReader: '", path_,
               "' header has ", header.size(), " columns but ", names.size(),
               " column_names were given");
  num_file_columns_ = names.size();
  all_names_ = names;
  if (options_.column_defaults.empty()) {
    specs_ = infer_specs(num_file_columns_);
  } else {
    TANDEM_CHECK(options_.column_defaults.size() == num_file_columns_, ValueError, "CsvReader: '",
                 path_, "' has ", num_file_columns_, " columns but ",
                 options_.column_defaults.size(), " column_defaults were given");
    specs_ = options_.column_defaults;
  }
  resolve_columns(names);
}

void CsvReader::resolve_columns(const std::vector<std::string>& all_names) {
  for (size_t i = 0; i < all_names.size(); ++i) {
    check_column_dtype(specs_[i].dtype, all_names[i]);
    if (specs_[i].default_value) {
      Value v;
      TANDEM_CHECK(parse_value(*specs_[i].default_value, specs_[i].dtype, &v), ValueError,
                   "CsvReader: default '", *specs_[i].default_value, "' of column '", all_names[i],
                   "' does not parse as ", dtype_name(specs_[i].dtype));
    }
  }
  for (const auto& want : options_.select_columns) {
    TANDEM_CHECK(std::find(all_names.begin(), all_names.end(), want) != all_names.end(), ValueError,
                 "CsvReader: select_columns names '", want, "', not a column of '", path_, "'");
  }
  for (size_t i = 0; i < all_names.size(); ++i) {
    const auto& sel = options_.select_columns;
    if (!sel.empty() && std::find(sel.begin(), sel.end(), all_names[i]) == sel.end()) continue;
    selected_.push_back(i);
    names_.push_back(all_names[i]);
    types_.push_back(specs_[i].dtype);
  }
}

std::vector<CsvColumnSpec> CsvReader::infer_specs(size_t num_columns) {
  // Reads ahead on a second stream so the main one stays at the first data row.
  std::ifstream probe(path_, std::ios::binary);
  std::string line;
  if (options_.header) std::getline(probe, line);
  // Per column: 0 = int32, 1 = int64, 2 = float32, 3 = string (the widest seen wins).
  std::vector<int> level(num_columns, 0);
  for (int64_t row = 0; row < options_.num_rows_for_inference && std::getline(probe, line); ++row) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto fields = split_csv_line(line, options_.field_delim, options_.use_quote_delim);
    for (size_t c = 0; c < std::min(fields.size(), num_columns); ++c) {
      const std::string& f = fields[c];
      if (f.empty() || f == options_.na_value) continue;
      int64_t i = 0;
      double d = 0;
      int l = 3;
      if (parse_int(f, &i)) {
        l = (i >= std::numeric_limits<int32_t>::min() && i <= std::numeric_limits<int32_t>::max())
                ? 0
                : 1;
      } else if (parse_float(f, &d)) {
        l = 2;
      }
      level[c] = std::max(level[c], l);
    }
  }
  const DType kTypes[] = {DType::kInt32, DType::kInt64, DType::kFloat32, DType::kString};
  std::vector<CsvColumnSpec> specs(num_columns);
  for (size_t c = 0; c < num_columns; ++c) specs[c].dtype = kTypes[level[c]];
  return specs;
}

bool CsvReader::read_record(std::vector<std::string>* fields) {
  std::string record, line;
  do {
    if (!std::getline(in_, line)) {
      if (record.empty()) return false;
      break;  // an unterminated quote at the end of the file: parse what there is
    }
    ++line_;
    if (record.empty()) record_line_ = line_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    record += record.empty() && line_ == record_line_ ? line : "\n" + line;
  } while (options_.use_quote_delim && !quotes_balanced(record));
  *fields = split_csv_line(record, options_.field_delim, options_.use_quote_delim);
  return true;
}

bool CsvReader::parse_record(const std::vector<std::string>& fields, Columns* out) {
  auto fail = [&](const std::string& what) {
    if (!options_.skip_bad_rows) throw ValueError(what + " (set skip_bad_rows to skip such rows)");
    ++num_skipped_;
    return false;
  };
  if (fields.size() != num_file_columns_) {
    return fail("CsvReader: '" + path_ + "':" + std::to_string(record_line_) + ": expected " +
                std::to_string(num_file_columns_) + " fields, received " +
                std::to_string(fields.size()));
  }
  std::vector<Value> values(selected_.size());
  for (size_t k = 0; k < selected_.size(); ++k) {
    size_t c = selected_[k];
    const CsvColumnSpec& spec = specs_[c];
    std::string where = "CsvReader: '" + path_ + "':" + std::to_string(record_line_) + " column '" +
                        all_names_[c] + "' (index " + std::to_string(c) + ")";
    std::string text = fields[c];
    if (text.empty() || text == options_.na_value) {
      if (!spec.default_value)
        return fail(where + ": field is empty and the column has no default");
      text = *spec.default_value;
    }
    if (!parse_value(text, spec.dtype, &values[k])) {
      return fail(where + ": cannot parse '" + text + "' as " + dtype_name(spec.dtype));
    }
  }
  for (size_t k = 0; k < values.size(); ++k) {
    if (auto* i = std::get_if<int64_t>(&values[k])) out->ints[k].push_back(*i);
    if (auto* d = std::get_if<double>(&values[k])) out->floats[k].push_back(*d);
    if (auto* s = std::get_if<std::string>(&values[k])) out->strings[k].push_back(std::move(*s));
  }
  ++out->rows;
  return true;
}

std::optional<std::vector<Tensor>> CsvReader::next_batch(int64_t max_rows) {
  TANDEM_CHECK(max_rows > 0, ValueError, "CsvReader::next_batch: max_rows must be positive, ",
               "received ", max_rows);
  Columns cols(selected_.size());
  std::vector<std::string> fields;
  while (cols.rows < max_rows && read_record(&fields)) {
    if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
    parse_record(fields, &cols);
  }
  if (cols.rows == 0) return std::nullopt;
  std::vector<Tensor> out;
  Shape shape{cols.rows};
  for (size_t k = 0; k < selected_.size(); ++k) {
    switch (types_[k]) {
      case DType::kInt32:
        out.push_back(Tensor::from_vector(
            std::vector<int32_t>(cols.ints[k].begin(), cols.ints[k].end()), shape, Device::cpu()));
        break;
      case DType::kInt64:
        out.push_back(Tensor::from_vector(cols.ints[k], shape, Device::cpu()));
        break;
      case DType::kFloat32:
        out.push_back(
            Tensor::from_vector(std::vector<float>(cols.floats[k].begin(), cols.floats[k].end()),
                                shape, Device::cpu()));
        break;
      case DType::kFloat64:
        out.push_back(Tensor::from_vector(cols.floats[k], shape, Device::cpu()));
        break;
      default:
        out.push_back(Tensor::from_vector(cols.strings[k], shape, Device::cpu()));
    }
  }
  return out;
}

std::optional<std::vector<Tensor>> CsvReader::next() {
  auto batch = next_batch(1);
  if (!batch) return std::nullopt;
  for (auto& t : *batch) {
    t = Tensor::from_storage(t.storage(), t.storage_offset(), Shape{}, t.dtype());
  }
  return batch;
}

}  // namespace tandem::data
