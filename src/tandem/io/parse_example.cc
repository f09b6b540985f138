#include "tandem/io/parse_example.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <span>

#include "tandem/core/mutable_tensor.h"
#include "tandem/io/example_wire.h"

namespace tandem::io {
namespace {

using wire::FeatureView;
using wire::Kind;

// N elements on the stack when they fit (one example with a few features), else on the heap, so
// that parsing one example allocates nothing but its output tensors.
template <class T, size_t N>
class SmallArray {
 public:
  explicit SmallArray(size_t n) : size_(n) {
    if (n > N) heap_.resize(n);
  }
  T* data() { return size_ > N ? heap_.data() : inline_.data(); }
  T& operator[](size_t i) { return data()[i]; }
  std::span<T> span(size_t from, size_t n) { return {data() + from, n}; }

 private:
  size_t size_;
  std::array<T, N> inline_{};
  std::vector<T> heap_;
};

// One feature's views across the batch: views[i * stride] belongs to example i.
struct Column {
  const FeatureView* views;
  size_t stride;
  size_t batch;
  const FeatureView& at(size_t i) const { return views[i * stride]; }
};

Kind kind_for(const std::string& name, DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return Kind::kFloat;
    case DType::kInt64:
      return Kind::kInt64;
    case DType::kString:
      return Kind::kBytes;
    default:
      throw TypeError("parse_example: feature '" + name + "' has dtype " + dtype_name(dtype) +
                      "; tf.Example features hold float32, int64 or string");
  }
}

// Number of values in `v`, after checking that its list kind matches `dtype`. A Feature with no
// list set counts as an empty list of any kind, as in TensorFlow.
int64_t count_values(const std::string& name, const FeatureView& v, DType dtype) {
  Kind want = kind_for(name, dtype);
  if (v.kind == Kind::kNone) return 0;
  TANDEM_CHECK(v.kind == want, TypeError, "parse_example: feature '", name, "' expected ",
               wire::kind_name(want), " (dtype ", dtype_name(dtype), "), received ",
               wire::kind_name(v.kind));
  return v.count;
}

// Copies the values of `v` (already checked against dst's dtype) into `dst` from element `at`.
void copy_values(const FeatureView& v, MutableTensor& dst, int64_t at) {
  void* base = dst.mutable_raw_data();
  switch (v.kind) {
    case Kind::kFloat:
      return wire::copy_floats(v, static_cast<float*>(base) + at);
    case Kind::kInt64:
      return wire::copy_int64s(v, static_cast<int64_t*>(base) + at);
    case Kind::kBytes:
      return wire::copy_bytes(v, static_cast<std::string*>(base) + at);
    case Kind::kNone:
      return;
  }
}

// Copies `n` values of a default (or its single value n times) into `dst` at element `at`.
void copy_default(const Tensor& value, MutableTensor& dst, int64_t at, int64_t n) {
  Tensor host = value.cpu();
  size_t esize = dtype_size(dst.dtype());
  for (int64_t i = 0; i < n; ++i) {
    int64_t src = host.num_elements() == 1 ? 0 : i;
    if (dst.dtype() == DType::kString) {
      dst.mutable_data<std::string>()[at + i] = host.data<std::string>()[src];
    } else {
      std::memcpy(static_cast<char*>(dst.mutable_raw_data()) + (at + i) * esize,
                  static_cast<const char*>(host.raw_data()) + src * esize, esize);
    }
  }
}

MutableTensor zeros_of(const Shape& shape, DType dtype) {
  MutableTensor t = MutableTensor::empty(shape, dtype, Device::cpu(), "parse_example");
  if (dtype != DType::kString) std::memset(t.mutable_raw_data(), 0, t.nbytes());
  return t;
}

void validate_fixed(const std::string& name, const FixedLenFeature& spec) {
  kind_for(name, spec.dtype);
  TANDEM_CHECK(spec.shape.is_fully_defined(), ValueError, "parse_example: FixedLenFeature '", name,
               "' needs a fully defined shape, received ", spec.shape.to_string());
  TANDEM_CHECK(spec.shape.try_num_elements().has_value(), ValueError,
               "parse_example: FixedLenFeature '", name, "' has shape ", spec.shape.to_string(),
               ", whose number of elements does not fit in int64");
  if (!spec.default_value) return;
  const Tensor& d = *spec.default_value;
  TANDEM_CHECK(d.dtype() == spec.dtype, TypeError, "parse_example: default of feature '", name,
               "' has dtype ", dtype_name(d.dtype()), ", expected ", dtype_name(spec.dtype));
  TANDEM_CHECK(d.num_elements() == 1 || d.num_elements() == spec.shape.num_elements(), ValueError,
               "parse_example: default of feature '", name, "' holds ", d.num_elements(),
               " values, expected 1 or ", spec.shape.num_elements(), " for shape ",
               spec.shape.to_string());
}

std::string in_example(size_t i, bool batched) {
  return batched ? " in example " + std::to_string(i) : std::string();
}

Tensor parse_fixed(const std::string& name, const FixedLenFeature& spec, const Column& col,
                   bool batched) {
  validate_fixed(name, spec);
  int64_t per = spec.shape.num_elements();
  std::vector<int64_t> dims = spec.shape.as_list();
  if (batched) dims.insert(dims.begin(), static_cast<int64_t>(col.batch));
  MutableTensor out = zeros_of(Shape(std::move(dims)), spec.dtype);
  for (size_t i = 0; i < col.batch; ++i) {
    const FeatureView& v = col.at(i);
    if (!v.found) {
      TANDEM_CHECK(spec.default_value.has_value(), ValueError, "parse_example: feature '", name,
                   "' (dtype ", dtype_name(spec.dtype), ") is required but could not be found",
                   in_example(i, batched));
      copy_default(*spec.default_value, out, static_cast<int64_t>(i) * per, per);
      continue;
    }
    int64_t n = count_values(name, v, spec.dtype);
    TANDEM_CHECK(n == per, ValueError, "parse_example: feature '", name, "' expected ", per,
                 " values for shape ", spec.shape.to_string(), ", received ", n,
                 in_example(i, batched));
    copy_values(v, out, static_cast<int64_t>(i) * per);
  }
  return std::move(out).freeze();
}

Tensor parse_var_len(const std::string& name, const VarLenFeature& spec, const Column& col,
                     bool batched) {
  int64_t max_count = 0;
  for (size_t i = 0; i < col.batch; ++i) {
    const FeatureView& v = col.at(i);
    int64_t n = v.found ? count_values(name, v, spec.dtype) : (kind_for(name, spec.dtype), 0);
    max_count = std::max(max_count, n);
  }
  Shape shape = batched ? Shape{static_cast<int64_t>(col.batch), max_count} : Shape{max_count};
  MutableTensor out = zeros_of(shape, spec.dtype);
  for (size_t i = 0; i < col.batch; ++i) {
    if (col.at(i).found) copy_values(col.at(i), out, static_cast<int64_t>(i) * max_count);
  }
  return std::move(out).freeze();
}

// One pass over each example finds every spec'd feature; then each feature's output is sized and
// filled from the bytes. `S` is std::string or std::string_view.
template <class S>
ParsedFeatures parse_all(std::span<const S> serialized, const FeatureSpecs& specs, bool batched) {
  size_t nspecs = specs.size();
  SmallArray<std::string_view, 8> names(nspecs);
  size_t s = 0;
  for (const auto& entry : specs) names[s++] = entry.first;
  SmallArray<FeatureView, 8> views(serialized.size() * nspecs);
  for (size_t i = 0; i < serialized.size(); ++i) {
    std::string_view bytes = serialized[i];
    TANDEM_CHECK(wire::find_features(bytes, names.span(0, nspecs), views.span(i * nspecs, nspecs)),
                 ValueError, "parse_example: could not parse ", bytes.size(),
                 " bytes as a tf.train.Example",
                 batched ? " (example " + std::to_string(i) + ")" : std::string());
  }
  ParsedFeatures out;
  s = 0;
  for (const auto& [name, spec] : specs) {
    Column col{views.data() + s++, nspecs, serialized.size()};
    Tensor t = std::holds_alternative<FixedLenFeature>(spec)
                   ? parse_fixed(name, std::get<FixedLenFeature>(spec), col, batched)
                   : parse_var_len(name, std::get<VarLenFeature>(spec), col, batched);
    out.emplace_hint(out.end(), name, std::move(t));
  }
  return out;
}

const std::string* string_data(const Tensor& t, const char* what, int rank) {
  TANDEM_CHECK(t.dtype() == DType::kString && t.rank() == rank, TypeError, what,
               ": expected a rank-", rank, " string tensor of serialized examples, received ",
               dtype_name(t.dtype()), " of shape ", t.shape().to_string());
  return t.data<std::string>();
}

}  // namespace

ParsedFeatures parse_single_example(std::string_view serialized, const FeatureSpecs& specs) {
  return parse_all(std::span<const std::string_view>(&serialized, 1), specs, false);
}

ParsedFeatures parse_single_example(const Tensor& serialized, const FeatureSpecs& specs) {
  return parse_single_example(*string_data(serialized, "parse_single_example", 0), specs);
}

ParsedFeatures parse_example(const std::vector<std::string>& serialized,
                             const FeatureSpecs& specs) {
  return parse_all(std::span<const std::string>(serialized), specs, true);
}

ParsedFeatures parse_example(const Tensor& serialized, const FeatureSpecs& specs) {
  const std::string* data = string_data(serialized, "parse_example", 1);
  return parse_all(std::span<const std::string>(data, serialized.num_elements()), specs, true);
}

}  // namespace tandem::io
