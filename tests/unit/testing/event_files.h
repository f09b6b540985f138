// Reads TensorBoard event files back for tests: the files of a log folder, their events, and the
// scalar values by tag.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tandem/io/proto/event.pb.h"
#include "tandem/io/tfrecord_format.h"
#include "tandem/io/tfrecord_reader.h"

namespace tandem::testing {

// The event files ("...tfevents...") directly in `dir`, sorted; none when `dir` is absent.
inline std::vector<std::string> event_files(const std::filesystem::path& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename().string().find("tfevents") != std::string::npos) {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

inline std::vector<proto::Event> read_events(const std::string& path) {
  std::vector<proto::Event> events;
  io::TFRecordReader reader(path);
  std::string record;
  while (reader.read(&record)) {
    proto::Event event;
    EXPECT_TRUE(event.ParseFromString(record)) << "a record of " << path << " is not an Event";
    events.push_back(std::move(event));
  }
  return events;
}

// The events of the single event file in `dir` (a test failure when there is not exactly one).
inline std::vector<proto::Event> read_single_event_file(const std::filesystem::path& dir) {
  std::vector<std::string> files = event_files(dir);
  EXPECT_EQ(files.size(), 1u) << "event files in " << dir;
  return files.empty() ? std::vector<proto::Event>{} : read_events(files[0]);
}

// A rank-0 DT_FLOAT tensor as TF's writer stores it: 4 little-endian bytes in tensor_content.
inline float scalar_value(const proto::TensorProto& tensor) {
  EXPECT_EQ(tensor.dtype(), proto::DT_FLOAT);
  EXPECT_EQ(tensor.tensor_shape().dim_size(), 0);
  EXPECT_EQ(tensor.tensor_content().size(), 4u);
  if (tensor.tensor_content().size() != 4) return 0;
  return std::bit_cast<float>(io::load_le32(tensor.tensor_content().data()));
}

// tag -> [(step, value)] for every scalar summary, in file order.
inline std::map<std::string, std::vector<std::pair<int64_t, float>>> scalars(
    const std::vector<proto::Event>& events) {
  std::map<std::string, std::vector<std::pair<int64_t, float>>> out;
  for (const proto::Event& event : events) {
    for (const auto& value : event.summary().value()) {
      if (value.metadata().plugin_data().plugin_name() != "scalars") continue;
      out[value.tag()].emplace_back(event.step(), scalar_value(value.tensor()));
    }
  }
  return out;
}

// Every summary value with this tag, with its event's step.
inline std::vector<std::pair<int64_t, proto::Summary::Value>> values_tagged(
    const std::vector<proto::Event>& events, const std::string& tag) {
  std::vector<std::pair<int64_t, proto::Summary::Value>> out;
  for (const proto::Event& event : events) {
    for (const auto& value : event.summary().value()) {
      if (value.tag() == tag) out.emplace_back(event.step(), value);
    }
  }
  return out;
}

}  // namespace tandem::testing
