// Tensor printing, byte for byte as TensorFlow prints an eager tensor: str(tensor) is
// "tf.Tensor(<numpy str of the values>, shape=..., dtype=...)". The values text follows numpy's
// array2string with default print options (precision 8, 'maxprec' float mode, line width 75,
// threshold 1000, edge items 3), so the helpers below mirror numpy/core/arrayprint.py and numpy's
// Dragon4 digit generation one for one.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "tandem/core/tensor.h"

namespace tandem {
namespace {

constexpr size_t kLineWidth = 75;
constexpr int kPrecision = 8;
constexpr int64_t kThreshold = 1000;  // more elements than this are summarised with "..."
constexpr int64_t kEdgeItems = 3;

// ---- digits of a floating value ----

// value = 0.d1 d2 d3 ... x 10^(exponent + 1), i.e. d1 sits at 10^exponent; no trailing zeros.
struct Decimal {
  bool negative = false;
  std::string digits = "0";
  int exponent = 0;
};

// Parses printf/to_chars scientific output: "-1.2345e+08", "1e-05".
Decimal parse_scientific(const char* text) {
  Decimal d;
  const char* p = text;
  if (*p == '-') {
    d.negative = true;
    ++p;
  }
  d.digits.clear();
  for (; *p && *p != 'e'; ++p)
    if (*p != '.') d.digits += *p;
  d.exponent = *p == 'e' ? std::atoi(p + 1) : 0;
  while (d.digits.size() > 1 && d.digits.back() == '0') d.digits.pop_back();
  if (d.digits == "0") d.exponent = 0;
  return d;
}

// Parses printf "%.Nf" output: "-0.00012346", "123.40000000".
Decimal parse_fixed(const std::string& text) {
  Decimal d;
  size_t start = 0;
  if (text[0] == '-') {
    d.negative = true;
    start = 1;
  }
  size_t dot = text.find('.');
  if (dot == std::string::npos) dot = text.size();
  std::string all;
  for (size_t i = start; i < text.size(); ++i)
    if (text[i] != '.') all += text[i];
  int exponent = static_cast<int>(dot - start) - 1;
  size_t first = all.find_first_not_of('0');
  if (first == std::string::npos) {
    d.digits = "0";
    d.exponent = 0;
    return d;
  }
  d.digits = all.substr(first);
  d.exponent = exponent - static_cast<int>(first);
  while (d.digits.size() > 1 && d.digits.back() == '0') d.digits.pop_back();
  return d;
}

// The value rounded to a DType's precision (how numpy's float16 and bfloat16 scalars round-trip).
double round_to(double v, DType t) {
  switch (t) {
    case DType::kFloat32:
      return static_cast<float>(v);
    case DType::kFloat16:
      return static_cast<float>(Half(static_cast<float>(v)));
    case DType::kBFloat16:
      return static_cast<float>(BFloat16(static_cast<float>(v)));
    default:
      return v;
  }
}

// The shortest digits that read back as the same value of dtype t (numpy's "unique" mode).
Decimal shortest(double v, DType t) {
  char buf[64];
  if (t == DType::kFloat64 || t == DType::kFloat32) {
    auto r = t == DType::kFloat64
                 ? std::to_chars(buf, buf + sizeof(buf) - 1, v, std::chars_format::scientific)
                 : std::to_chars(buf, buf + sizeof(buf) - 1, static_cast<float>(v),
                                 std::chars_format::scientific);
    *r.ptr = '\0';
    return parse_scientific(buf);
  }
  // 16-bit floats: the first correctly rounded length that round-trips is the shortest.
  for (int precision = 0; precision < 9; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*e", precision, v);
    if (round_to(std::strtod(buf, nullptr), t) == v) break;
  }
  return parse_scientific(buf);
}

// Rounds v to `fraction_digits` decimals (numpy cuts unique digits off at the precision).
Decimal rounded_fixed(double v, int fraction_digits) {
  char buf[400];
  std::snprintf(buf, sizeof(buf), "%.*f", fraction_digits, v);
  return parse_fixed(buf);
}

Decimal rounded_scientific(double v, int fraction_digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*e", fraction_digits, v);
  return parse_scientific(buf);
}

// Dragon4's trim modes: 'k' keeps zeros up to min_digits, '.' trims zeros and keeps the point
// ("1."), '0' leaves one zero ("1.0"), '-' drops the point as well ("1").
std::string finish_fraction(std::string frac, int min_digits, char trim, bool& keep_point) {
  keep_point = true;
  if (static_cast<int>(frac.size()) < min_digits) frac.append(min_digits - frac.size(), '0');
  if (frac.empty()) {
    if (trim == '0') frac = "0";
    if (trim == '-') keep_point = false;
  }
  return frac;
}

struct Parts {
  std::string int_part;  // with the sign
  std::string frac_part;
  bool point = true;
  std::string exp_part;  // "e+05" in scientific notation, else empty
};

// min_digits < 0 prints the shortest unique digits, zero-filled up to the decimal point (numpy's
// scalar str); min_digits >= 0 generates digits at least down to that many decimals, so integer
// digits are the exact value's (the array format: float32 34479488 prints as "34479488.", not
// "34479490.").
Parts positional_parts(double v, DType t, int precision, int min_digits, char trim) {
  Decimal d = shortest(v, t);
  int frac_len = static_cast<int>(d.digits.size()) - 1 - d.exponent;  // may be negative
  if (precision >= 0 && frac_len > precision) {
    d = rounded_fixed(v, precision);
  } else if (min_digits >= 0 && frac_len < min_digits) {
    d = rounded_fixed(v, min_digits);
  }
  d.negative = std::signbit(v);
  std::string int_part, frac;
  if (d.exponent >= 0) {
    int_part = d.digits.substr(0, std::min<size_t>(d.digits.size(), d.exponent + 1));
    int_part.append(d.exponent + 1 - int_part.size(), '0');
    if (static_cast<int>(d.digits.size()) > d.exponent + 1) frac = d.digits.substr(d.exponent + 1);
  } else {
    int_part = "0";
    frac = std::string(-d.exponent - 1, '0') + d.digits;
  }
  if (d.digits == "0") frac.clear();
  Parts p;
  if (d.negative) p.int_part.push_back('-');
  p.int_part += int_part;
  p.frac_part = finish_fraction(frac, min_digits, trim, p.point);
  return p;
}

// Digits past the unique ones (up to min_digits) are the exact value's, not zeros: float16's
// 0.1476 prints as 1.4758e-01 next to values that need four decimals.
Parts scientific_parts(double v, DType t, int precision, int min_digits, char trim,
                       int exp_digits) {
  Decimal d = shortest(v, t);
  int frac_len = static_cast<int>(d.digits.size()) - 1;
  if (precision >= 0 && frac_len > precision) {
    d = rounded_scientific(v, precision);
  } else if (min_digits >= 0 && frac_len < min_digits) {
    d = rounded_scientific(v, min_digits);
  }
  d.negative = std::signbit(v);
  Parts p;
  if (d.negative) p.int_part.push_back('-');
  p.int_part.push_back(d.digits[0]);
  p.frac_part = finish_fraction(d.digits.substr(1), min_digits, trim, p.point);
  std::string exp = std::to_string(std::abs(d.exponent));
  int width = std::max(exp_digits, 2);
  if (static_cast<int>(exp.size()) < width) exp.insert(0, width - exp.size(), '0');
  p.exp_part.push_back('e');
  p.exp_part.push_back(d.exponent < 0 ? '-' : '+');
  p.exp_part += exp;
  return p;
}

std::string join(const Parts& p, size_t pad_left = 0, size_t pad_right = 0) {
  std::string out;
  if (p.int_part.size() < pad_left) out.append(pad_left - p.int_part.size(), ' ');
  out += p.int_part;
  if (p.point) out += '.';
  out += p.frac_part;
  if (p.frac_part.size() < pad_right) out.append(pad_right - p.frac_part.size(), ' ');
  return out + p.exp_part;
}

// numpy's str() of a float scalar: positional between 1e-4 and 1e16, scientific outside.
std::string float_scalar_string(double v, DType t) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  double a = std::abs(v);
  if (a == 0 || (a < 1e16 && a >= 1e-4)) return join(positional_parts(v, t, -1, -1, '0'));
  return join(scientific_parts(v, t, -1, -1, '-', -1));
}

// numpy's FloatingFormat: decides the notation and the paddings from the values shown, then
// formats each value to a common width.
class FloatFormat {
 public:
  FloatFormat(const std::vector<double>& shown, DType t) : dtype_(t) {
    std::vector<double> finite;
    bool has_nonfinite = false, neg_inf = false;
    for (double v : shown) {
      if (std::isfinite(v))
        finite.push_back(v);
      else
        has_nonfinite = true;
      if (std::isinf(v) && v < 0) neg_inf = true;
    }
    choose_notation(finite);
    if (finite.empty()) {
      pad_left_ = pad_right_ = 0;
    } else if (exp_format_) {
      fill_scientific(finite);
    } else {
      fill_positional(finite);
    }
    if (has_nonfinite) {
      int offset = pad_right_ + 1;
      pad_left_ = std::max({pad_left_, 3 - offset, 3 + (neg_inf ? 1 : 0) - offset});
    }
  }

  std::string operator()(double v) const {
    if (!std::isfinite(v)) {
      std::string s = std::isnan(v) ? "nan" : v < 0 ? "-inf" : "inf";
      int width = pad_left_ + pad_right_ + 1;
      return std::string(std::max(0, width - static_cast<int>(s.size())), ' ') + s;
    }
    if (exp_format_)
      return join(scientific_parts(v, dtype_, precision_, min_digits_, 'k', exp_size_), pad_left_);
    return join(positional_parts(v, dtype_, kPrecision, 0, '.'), pad_left_, pad_right_);
  }

 private:
  // The max / min ratio is computed in the array's own dtype, as numpy does.
  void choose_notation(const std::vector<double>& finite) {
    double max_val = 0, min_val = 0;
    bool any = false;
    for (double v : finite) {
      if (v == 0) continue;
      double a = std::abs(v);
      max_val = any ? std::max(max_val, a) : a;
      min_val = any ? std::min(min_val, a) : a;
      any = true;
    }
    if (!any) return;
    double ratio = round_to(max_val / min_val, dtype_);
    exp_format_ = max_val >= 1e8 || min_val < 1e-4 || ratio > 1000;
  }

  void fill_scientific(const std::vector<double>& finite) {
    int frac_len = 0, exp_len = 0;
    pad_left_ = 0;
    for (double v : finite) {
      Parts p = scientific_parts(v, dtype_, kPrecision, -1, '.', -1);
      frac_len = std::max(frac_len, static_cast<int>(p.frac_part.size()));
      exp_len = std::max(exp_len, static_cast<int>(p.exp_part.size()) - 2);  // minus "e" and sign
      pad_left_ = std::max(pad_left_, static_cast<int>(p.int_part.size()));
    }
    exp_size_ = exp_len;
    precision_ = min_digits_ = frac_len;
    pad_right_ = exp_size_ + 2 + precision_;
  }

  void fill_positional(const std::vector<double>& finite) {
    pad_left_ = pad_right_ = 0;
    for (double v : finite) {
      Parts p = positional_parts(v, dtype_, kPrecision, -1, '.');
      pad_left_ = std::max(pad_left_, static_cast<int>(p.int_part.size()));
      pad_right_ = std::max(pad_right_, static_cast<int>(p.frac_part.size()));
    }
  }

  DType dtype_;
  bool exp_format_ = false;
  int pad_left_ = 0, pad_right_ = 0;
  int precision_ = kPrecision, min_digits_ = 0, exp_size_ = -1;
};

// Python's repr() of a bytes object: b'ab', b"it's", b'\xff'.
std::string bytes_repr(const std::string& s) {
  bool has_single = s.find('\'') != std::string::npos;
  bool has_double = s.find('"') != std::string::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  std::string out = "b";
  out += quote;
  static const char* kHex = "0123456789abcdef";
  for (unsigned char c : s) {
    if (c == quote || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += quote;
  return out;
}

// ---- the array layout (numpy's _formatArray) ----

using ElementFormatter = std::function<std::string(int64_t flat_index)>;

class ArrayPrinter {
 public:
  // `separator` follows each element (" " for str, ", " for repr); continuation lines are indented
  // by `indent`, which stands for what precedes the first '[' ("array(" in a repr).
  ArrayPrinter(const Shape& shape, bool summarize, ElementFormatter format,
               std::string separator = " ")
      : dims_(shape.as_list()),
        strides_(shape.strides()),
        summarize_(summarize),
        format_(std::move(format)),
        separator_(std::move(separator)) {}

  std::string print(const std::string& indent = " ", size_t width = kLineWidth) const {
    return recurse(0, 0, indent, width);
  }

 private:
  bool shows_summary(int axis) const { return summarize_ && 2 * kEdgeItems < dims_[axis]; }

  // Wraps before `word` when the line would pass `width`, unless wrapping cannot help.
  static void extend_line(std::string& s, std::string& line, const std::string& word, size_t width,
                          const std::string& indent) {
    if (line.size() + word.size() > width && line.size() > indent.size()) {
      while (!line.empty() && line.back() == ' ') line.pop_back();
      s += line + "\n";
      line = indent;
    }
    line += word;
  }

  std::string recurse(int axis, int64_t offset, const std::string& indent, size_t width) const {
    if (axis == static_cast<int>(dims_.size())) return format_(offset);
    std::string next_indent = indent + " ";
    size_t next_width = width - 1;  // room for the closing ']'
    int64_t n = dims_[axis];
    bool summary = shows_summary(axis);
    int64_t leading = summary ? kEdgeItems : 0;
    int64_t trailing = summary ? kEdgeItems : n;
    auto child = [&](int64_t i) {
      return recurse(axis + 1, offset + i * strides_[axis], next_indent, next_width);
    };
    std::string s;
    if (axis + 1 == static_cast<int>(dims_.size())) {
      size_t elem_width = width - 1;  // max(len(separator.rstrip()), len(']'))
      std::string line = indent;
      for (int64_t i = 0; i < leading; ++i) {
        extend_line(s, line, child(i), elem_width, indent);
        line += separator_;
      }
      if (summary) {
        extend_line(s, line, "...", elem_width, indent);
        line += separator_;
      }
      for (int64_t i = trailing; i > 1; --i) {
        extend_line(s, line, child(n - i), elem_width, indent);
        line += separator_;
      }
      extend_line(s, line, child(n - 1), elem_width, indent);
      s += line;
    } else {
      // numpy: the separator without its trailing blanks, then one newline per axis left.
      std::string line_sep = separator_.substr(0, separator_.find_last_not_of(' ') + 1);
      line_sep.append(dims_.size() - axis - 1, '\n');
      for (int64_t i = 0; i < leading; ++i) s += indent + child(i) + line_sep;
      if (summary) s += indent + "..." + line_sep;
      for (int64_t i = trailing; i > 1; --i) s += indent + child(n - i) + line_sep;
      s += indent + child(n - 1);
    }
    return "[" + s.substr(indent.size()) + "]";
  }

  std::vector<int64_t> dims_;
  std::vector<int64_t> strides_;
  bool summarize_;
  ElementFormatter format_;
  std::string separator_;
};

// Flat indices of the elements a summarised print shows (numpy's _leading_trailing).
void shown_indices(const std::vector<int64_t>& dims, const std::vector<int64_t>& strides,
                   bool summarize, int axis, int64_t offset, std::vector<int64_t>& out) {
  if (axis == static_cast<int>(dims.size())) {
    out.push_back(offset);
    return;
  }
  int64_t n = dims[axis];
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * kEdgeItems && i == kEdgeItems) i = n - kEdgeItems;
    shown_indices(dims, strides, summarize, axis + 1, offset + i * strides[axis], out);
  }
}

std::string int_text(int64_t v) { return std::to_string(v); }

// TensorFlow's bfloat16 numpy type (ml_dtypes) is not a numpy floating type: numpy prints each
// value with the type's own repr, which streams the float with iostream defaults ("0.100098", "1").
std::string bfloat16_text(double v) {
  std::ostringstream out;
  out << static_cast<float>(std::isnan(v) ? std::abs(v) : v);
  return out.str();
}

// The array's text; a repr passes the ", " separator, the prefix length ("array(") that
// continuation lines are indented by, and the suffix length that the last line must leave free.
std::string format_values(const Tensor& t, const std::string& separator = " ", size_t prefix = 0,
                          size_t suffix = 0) {
  const Shape& shape = t.shape();
  DType dtype = t.dtype();
  if (shape.rank() == 0) {
    if (dtype == DType::kString) return bytes_repr(t.to_vector<std::string>()[0]);
    if (dtype == DType::kBool) return t.item<bool>() ? "True" : "False";
    if (is_integer(dtype)) return int_text(t.item<int64_t>());
    if (dtype == DType::kBFloat16) return bfloat16_text(t.item<double>());
    return float_scalar_string(t.item<double>(), dtype);
  }
  if (t.num_elements() == 0) return "[]";

  bool summarize = t.num_elements() > kThreshold;
  std::vector<int64_t> shown;
  shown_indices(shape.as_list(), shape.strides(), summarize, 0, 0, shown);
  ElementFormatter format;
  if (dtype == DType::kString) {
    auto values = std::make_shared<std::vector<std::string>>(t.to_vector<std::string>());
    format = [values](int64_t i) { return bytes_repr((*values)[i]); };
  } else if (dtype == DType::kBool) {
    auto values = std::make_shared<std::vector<bool>>(t.to_vector<bool>());
    format = [values](int64_t i) { return (*values)[i] ? std::string(" True") : "False"; };
  } else if (is_integer(dtype)) {
    auto values = std::make_shared<std::vector<int64_t>>(t.to_vector<int64_t>());
    size_t width = 0;
    for (int64_t i : shown) width = std::max(width, int_text((*values)[i]).size());
    format = [values, width](int64_t i) {
      std::string s = int_text((*values)[i]);
      return std::string(width - s.size(), ' ') + s;
    };
  } else if (dtype == DType::kBFloat16) {
    auto values = std::make_shared<std::vector<double>>(t.to_vector<double>());
    format = [values](int64_t i) { return bfloat16_text((*values)[i]); };
  } else {
    auto values = std::make_shared<std::vector<double>>(t.to_vector<double>());
    std::vector<double> shown_values;
    shown_values.reserve(shown.size());
    for (int64_t i : shown) shown_values.push_back((*values)[i]);
    auto float_format = std::make_shared<FloatFormat>(shown_values, dtype);
    format = [values, float_format](int64_t i) { return (*float_format)((*values)[i]); };
  }
  return ArrayPrinter(shape, summarize, std::move(format), separator)
      .print(std::string(prefix + 1, ' '), kLineWidth - suffix);
}

}  // namespace

std::string Tensor::values_string() const {
  TANDEM_CHECK(defined(), ValueError, "values_string() called on an undefined Tensor");
  return format_values(*this);
}

// numpy's array_repr: "array(" + values + ", dtype=...)", the dtype left out for the types numpy
// implies (float64, int64, bool) and moved to its own line when the last line would overflow.
std::string Tensor::numpy_repr() const {
  TANDEM_CHECK(defined(), ValueError, "numpy_repr() called on an undefined Tensor");
  if (rank() == 0) return format_values(*this);  // .numpy() of a scalar is a numpy scalar
  const std::string prefix = "array(";
  DType t = dtype();
  bool implied =
      (t == DType::kFloat64 || t == DType::kInt64 || t == DType::kBool) && num_elements() > 0;
  std::string suffix = implied ? ")" : ",";
  std::string values;
  if (num_elements() > 0 || rank() == 1) {
    values = format_values(*this, ", ", prefix.size(), suffix.size());
  } else {
    values = "[], shape=" + shape().to_string();
  }
  std::string out = prefix;
  out += values;
  out += suffix;
  if (implied) return out;
  std::string dtype_text = "dtype=";
  dtype_text += t == DType::kString ? "object" : dtype_name(t);
  dtype_text += ")";
  size_t last_line = out.size() - (out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1);
  if (last_line + dtype_text.size() + 1 > kLineWidth) {
    out += "\n" + std::string(prefix.size(), ' ');
  } else {
    out += " ";
  }
  out += dtype_text;
  return out;
}

std::string Tensor::to_string() const {
  if (!defined()) return "tf.Tensor(<undefined>)";
  std::string values = values_string();
  // TensorFlow starts a multi-line value on its own line.
  if (values.find('\n') != std::string::npos) values = "\n" + values;
  return "tf.Tensor(" + values + ", shape=" + shape().to_string() +
         ", dtype=" + dtype_name(dtype()) + ")";
}

}  // namespace tandem
