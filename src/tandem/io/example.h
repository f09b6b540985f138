// Building tf.train.Example messages (like tf.train.Feature(int64_list=...)) from C++ values.
// The messages are Tandem's own protos with TensorFlow's field numbers (io/proto/example.proto), so
// SerializeAsString() gives bytes TensorFlow parses and vice versa.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tandem/io/proto/example.pb.h"

namespace tandem::io {

proto::Feature bytes_feature(const std::vector<std::string>& values);
proto::Feature float_feature(const std::vector<float>& values);
proto::Feature int64_feature(const std::vector<int64_t>& values);

// An Example holding the given features.
proto::Example make_example(const std::map<std::string, proto::Feature>& features);

}  // namespace tandem::io
