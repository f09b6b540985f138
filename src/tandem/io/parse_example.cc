#include "tandem/io/parse_example.h"

#include <algorithm>
#include <cstring>

#include "tandem/io/proto/example.pb.h"

namespace tandem::io {
namespace {

using proto::Feature;

const char* list_name(Feature::KindCase kind) {
  switch (kind) {
    case Feature::kBytesList:
      return "bytes_list";
    case Feature::kFloatList:
      return "float_list";
    case Feature::kInt64List:
      return "int64_list";
    case Feature::KIND_NOT_SET:
      break;
  }
  return "no list";
}

Feature::KindCase kind_for(const std::string& name, DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return Feature::kFloatList;
    case DType::kInt64:
      return Feature::kInt64List;
    case DType::kString:
      return Feature::kBytesList;
    default:
      throw TypeError("parse_example: feature '" + name + "' has dtype " + dtype_name(dtype) +
                      "; tf.Example features hold float32, int64 or string");
  }
}

// Number of values in `f`, after checking that its list kind matches `dtype`. A Feature with no
// list set counts as an empty list of any kind, as in TensorFlow.
int64_t count_values(const std::string& name, const Feature& f, DType dtype) {
  Feature::KindCase want = kind_for(name, dtype);
  if (f.kind_case() == Feature::KIND_NOT_SET) return 0;
  TANDEM_CHECK(f.kind_case() == want, TypeError, "parse_example: feature '", name, "' expected ",
               list_name(want), " (dtype ", dtype_name(dtype), "), received ",
               list_name(f.kind_case()));
  switch (want) {
    case Feature::kFloatList:
      return f.float_list().value_size();
    case Feature::kInt64List:
      return f.int64_list().value_size();
    default:
      return f.bytes_list().value_size();
  }
}

// Copies the values of `f` into `dst` starting at element `at`.
void copy_values(const Feature& f, DType dtype, const Tensor& dst, int64_t at) {
  void* base = const_cast<void*>(dst.raw_data());
  if (f.kind_case() == Feature::KIND_NOT_SET) return;
  if (dtype == DType::kFloat32) {
    const auto& v = f.float_list().value();
    std::copy(v.begin(), v.end(), static_cast<float*>(base) + at);
  } else if (dtype == DType::kInt64) {
    const auto& v = f.int64_list().value();
    std::copy(v.begin(), v.end(), static_cast<int64_t*>(base) + at);
  } else {
    const auto& v = f.bytes_list().value();
    std::copy(v.begin(), v.end(), static_cast<std::string*>(base) + at);
  }
}

// Copies `n` values of a default (or its single value n times) into `dst` at element `at`.
void copy_default(const Tensor& value, const Tensor& dst, int64_t at, int64_t n) {
  Tensor host = value.cpu();
  size_t esize = dtype_size(dst.dtype());
  for (int64_t i = 0; i < n; ++i) {
    int64_t src = host.num_elements() == 1 ? 0 : i;
    if (dst.dtype() == DType::kString) {
      static_cast<std::string*>(const_cast<void*>(dst.raw_data()))[at + i] =
          host.data<std::string>()[src];
    } else {
      std::memcpy(static_cast<char*>(const_cast<void*>(dst.raw_data())) + (at + i) * esize,
                  static_cast<const char*>(host.raw_data()) + src * esize, esize);
    }
  }
}

Tensor zeros_of(const Shape& shape, DType dtype) {
  Tensor t = Tensor::empty(shape, dtype, Device::cpu());
  if (dtype != DType::kString) std::memset(const_cast<void*>(t.raw_data()), 0, t.nbytes());
  return t;
}

void validate_fixed(const std::string& name, const FixedLenFeature& spec) {
  kind_for(name, spec.dtype);
  TANDEM_CHECK(spec.shape.is_fully_defined(), ValueError, "parse_example: FixedLenFeature '", name,
               "' needs a fully defined shape, received ", spec.shape.to_string());
  if (!spec.default_value) return;
  const Tensor& d = *spec.default_value;
  TANDEM_CHECK(d.dtype() == spec.dtype, TypeError, "parse_example: default of feature '", name,
               "' has dtype ", dtype_name(d.dtype()), ", expected ", dtype_name(spec.dtype));
  TANDEM_CHECK(d.num_elements() == 1 || d.num_elements() == spec.shape.num_elements(), ValueError,
               "parse_example: default of feature '", name, "' holds ", d.num_elements(),
               " values, expected 1 or ", spec.shape.num_elements(), " for shape ",
               spec.shape.to_string());
}

const Feature* find_feature(const proto::Example& ex, const std::string& name) {
  const auto& map = ex.features().feature();
  auto it = map.find(name);
  return it == map.end() ? nullptr : &it->second;
}

Tensor parse_fixed(const std::string& name, const FixedLenFeature& spec,
                   const std::vector<proto::Example>& examples, bool batched) {
  validate_fixed(name, spec);
  int64_t per = spec.shape.num_elements();
  std::vector<int64_t> dims = spec.shape.dims();
  if (batched) dims.insert(dims.begin(), static_cast<int64_t>(examples.size()));
  Tensor out = zeros_of(Shape(dims), spec.dtype);
  for (size_t i = 0; i < examples.size(); ++i) {
    const Feature* f = find_feature(examples[i], name);
    if (f == nullptr) {
      TANDEM_CHECK(spec.default_value.has_value(), ValueError, "parse_example: feature '", name,
                   "' (dtype ", dtype_name(spec.dtype), ") is required but could not be found",
                   batched ? " in example " + std::to_string(i) : std::string());
      copy_default(*spec.default_value, out, static_cast<int64_t>(i) * per, per);
      continue;
    }
    int64_t n = count_values(name, *f, spec.dtype);
    TANDEM_CHECK(n == per, ValueError, "parse_example: feature '", name, "' expected ", per,
                 " values for shape ", spec.shape.to_string(), ", received ", n,
                 batched ? " in example " + std::to_string(i) : std::string());
    copy_values(*f, spec.dtype, out, static_cast<int64_t>(i) * per);
  }
  return out;
}

Tensor parse_var_len(const std::string& name, const VarLenFeature& spec,
                     const std::vector<proto::Example>& examples, bool batched) {
  std::vector<int64_t> counts(examples.size(), 0);
  int64_t max_count = 0;
  for (size_t i = 0; i < examples.size(); ++i) {
    const Feature* f = find_feature(examples[i], name);
    counts[i] = f ? count_values(name, *f, spec.dtype) : (kind_for(name, spec.dtype), 0);
    max_count = std::max(max_count, counts[i]);
  }
  Shape shape = batched ? Shape{static_cast<int64_t>(examples.size()), max_count}
                        : Shape{examples.empty() ? 0 : counts[0]};
  Tensor out = zeros_of(shape, spec.dtype);
  for (size_t i = 0; i < examples.size(); ++i) {
    const Feature* f = find_feature(examples[i], name);
    if (f) copy_values(*f, spec.dtype, out, static_cast<int64_t>(i) * max_count);
  }
  return out;
}

proto::Example parse_proto(std::string_view serialized, size_t index, bool batched) {
  proto::Example ex;
  TANDEM_CHECK(ex.ParseFromArray(serialized.data(), static_cast<int>(serialized.size())),
               ValueError, "parse_example: could not parse ", serialized.size(),
               " bytes as a tf.train.Example",
               batched ? " (example " + std::to_string(index) + ")" : std::string());
  return ex;
}

ParsedFeatures parse_all(const std::vector<proto::Example>& examples, const FeatureSpecs& specs,
                         bool batched) {
  ParsedFeatures out;
  for (const auto& [name, spec] : specs) {
    if (const auto* fixed = std::get_if<FixedLenFeature>(&spec)) {
      out[name] = parse_fixed(name, *fixed, examples, batched);
    } else {
      out[name] = parse_var_len(name, std::get<VarLenFeature>(spec), examples, batched);
    }
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
  std::vector<proto::Example> examples;
  examples.push_back(parse_proto(serialized, 0, false));
  return parse_all(examples, specs, false);
}

ParsedFeatures parse_single_example(const Tensor& serialized, const FeatureSpecs& specs) {
  return parse_single_example(*string_data(serialized, "parse_single_example", 0), specs);
}

ParsedFeatures parse_example(const std::vector<std::string>& serialized,
                             const FeatureSpecs& specs) {
  std::vector<proto::Example> examples;
  examples.reserve(serialized.size());
  for (size_t i = 0; i < serialized.size(); ++i) {
    examples.push_back(parse_proto(serialized[i], i, true));
  }
  return parse_all(examples, specs, true);
}

ParsedFeatures parse_example(const Tensor& serialized, const FeatureSpecs& specs) {
  const std::string* data = string_data(serialized, "parse_example", 1);
  return parse_example(std::vector<std::string>(data, data + serialized.num_elements()), specs);
}

}  // namespace tandem::io
