// A zero-copy reader of serialized tf.train.Example bytes (protobuf wire format), used by
// parse_example instead of building a proto::Example: one pass over the bytes finds the requested
// features, and their values are then copied straight from the bytes into the output tensors.
//
// Field numbers (io/proto/example.proto, feature.proto): Example.features = 1; Features.feature = 1
// (map entries: key = 1, value = 2); Feature oneof bytes_list = 1, float_list = 2, int64_list = 3;
// each list's `value` = 1. The reader gives the results protobuf's parser gives: floats and int64s
// packed or not, repeated fields concatenated, merged sub-messages, the last map entry for a key
// and the last member set of the oneof winning, unknown fields of wire types 0, 1, 2 and 5 skipped
// at every level. Groups (wire types 3 and 4), which tf.Example never holds, are rejected, as
// TensorFlow's own fast parser does.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tandem::io::wire {

// The Feature's oneof; the values are its field numbers.
enum class Kind : uint8_t { kNone = 0, kBytes = 1, kFloat = 2, kInt64 = 3 };

// "bytes_list", "float_list", "int64_list" or "no list".
const char* kind_name(Kind kind);

// Where one feature's values lie in a serialized Example.
struct FeatureView {
  bool found = false;       // the Example has a map entry with this key
  Kind kind = Kind::kNone;  // kNone: a Feature with no list set (an empty list of any kind)
  int64_t count = 0;        // number of values
  std::string_view entry;   // the map entry (key and Feature bytes) that won
  // The values are those of the entry's list fields from this one on (0-based, in byte order);
  // earlier ones were replaced when the oneof switched kind. Almost always 0.
  int32_t first_list = 0;
};

// Walks `example` once, checking all of it, and sets views[i] for the feature named names[i]
// (found = false where absent). Returns false when the bytes are not a tf.train.Example.
bool find_features(std::string_view example, std::span<const std::string_view> names,
                   std::span<FeatureView> views);

// Copy the view.count values of a found feature of the matching kind to dst[0, count).
void copy_floats(const FeatureView& view, float* dst);
void copy_int64s(const FeatureView& view, int64_t* dst);
void copy_bytes(const FeatureView& view, std::string* dst);

}  // namespace tandem::io::wire
