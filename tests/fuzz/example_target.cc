// Fuzz target: the tf.Example parser (io/parse_example.h over io/example_wire.h, a zero-copy
// protobuf wire reader). Any bytes must give the features or a ValueError/TypeError. Where both
// our parser and protobuf's accept the bytes, they must agree on every feature's values: the wire
// reader claims protobuf's semantics (packed or not, merged messages, last map entry wins).
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <bit>
#include <stdexcept>
#include <type_traits>

#include "fuzz_target.h"
#include "tandem/core/error.h"
#include "tandem/io/example.h"
#include "tandem/io/parse_example.h"

namespace tandem::fuzz {
namespace {

const io::FeatureSpecs& specs() {
  static const io::FeatureSpecs specs = {
      {"label", io::FixedLenFeature{.shape = Shape{}, .dtype = DType::kInt64}},
      {"pixels",
       io::FixedLenFeature{.shape = Shape{2, 2},
                           .dtype = DType::kFloat32,
                           .default_value = Tensor::from_vector(std::vector<float>{0}, Shape{1})}},
      {"extra", io::VarLenFeature{.dtype = DType::kFloat32}},
      {"ids", io::VarLenFeature{.dtype = DType::kInt64}},
      {"tags", io::VarLenFeature{.dtype = DType::kString}},
  };
  return specs;
}

// Equal values; floats compare by their bits, so NaNs match NaNs.
template <class T>
bool same(const T& a, const T& b) {
  if constexpr (std::is_same_v<T, float>) {
    return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b);
  } else {
    return a == b;
  }
}

template <class T, class List>
void expect_same(const std::string& name, const Tensor& ours, const List& theirs) {
  std::vector<T> values = ours.to_vector<T>();
  if (values.size() != static_cast<size_t>(theirs.value_size()) ||
      !std::equal(values.begin(), values.end(), theirs.value().begin(), same<T>)) {
    throw std::logic_error("the wire parser and protobuf disagree on feature '" + name + "'");
  }
}

// Our result against protobuf's parse of the same bytes.
void check_against_protobuf(std::string_view input, const io::ParsedFeatures& parsed) {
  proto::Example example;
  if (!example.ParseFromArray(input.data(), static_cast<int>(input.size()))) return;
  const auto& features = example.features().feature();
  auto feature = [&](const std::string& name) -> const proto::Feature* {
    auto it = features.find(name);
    return it == features.end() ? nullptr : &it->second;
  };
  if (const proto::Feature* f = feature("extra"); f && f->has_float_list()) {
    expect_same<float>("extra", parsed.at("extra"), f->float_list());
  }
  if (const proto::Feature* f = feature("ids"); f && f->has_int64_list()) {
    expect_same<int64_t>("ids", parsed.at("ids"), f->int64_list());
  }
  if (const proto::Feature* f = feature("tags"); f && f->has_bytes_list()) {
    expect_same<std::string>("tags", parsed.at("tags"), f->bytes_list());
  }
  if (const proto::Feature* f = feature("label"); f && f->has_int64_list()) {
    expect_same<int64_t>("label", parsed.at("label"), f->int64_list());
  }
}

// Serialized with map entries in key order: protobuf's default map order varies between runs,
// and the driver's inputs must be the same on every run.
std::string deterministic_bytes(const proto::Example& example) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    example.SerializeToCodedStream(&coded);
  }
  return bytes;
}

bool run(std::string_view input) {
  try {
    io::ParsedFeatures parsed = io::parse_single_example(input, specs());
    check_against_protobuf(input, parsed);
    // A batch with a valid example pads the VarLen features to a common length.
    static const std::string valid =
        io::make_example({{"label", io::int64_feature({1})}}).SerializeAsString();
    io::parse_example(std::vector<std::string>{valid, std::string(input)}, specs());
    return true;
  } catch (const Error&) {
    return false;
  }
}

std::vector<std::string> seeds() {
  std::vector<std::string> out;
  out.push_back(
      deterministic_bytes(io::make_example({{"label", io::int64_feature({3})},
                                            {"pixels", io::float_feature({0.1f, 0.2f, 0.3f, 0.4f})},
                                            {"extra", io::float_feature({1.5f})},
                                            {"ids", io::int64_feature({1, -2, 1ll << 40})},
                                            {"tags", io::bytes_feature({"a", "", "ccc"})}})));
  out.push_back(deterministic_bytes(io::make_example({{"label", io::int64_feature({-1})}})));
  // Two messages back to back parse as one: the lists merge and the last "label" entry wins.
  proto::Example unpacked;
  auto& map = *unpacked.mutable_features()->mutable_feature();
  map["label"] = io::int64_feature({9});
  map["extra"] = io::float_feature({1.0f, 2.0f});
  std::string bytes = deterministic_bytes(unpacked);
  out.push_back(bytes + bytes);
  return out;
}

}  // namespace

extern const Target kFuzzTarget = {"example", run, seeds};

}  // namespace tandem::fuzz
