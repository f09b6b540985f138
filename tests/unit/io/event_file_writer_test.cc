// EventFileWriter: TensorFlow's file name, a first event with file_version "brain.Event:2",
// events framed as TFRecords in write order, flushing by max_queue, distinct files for writers
// started together, and errors after close.
#include "tandem/io/event_file_writer.h"

#include <gtest/gtest.h>

#include <set>

#include "tandem/core/error.h"
#include "testing/assertions.h"
#include "testing/event_files.h"
#include "testing/temp_files.h"

namespace tandem::io {
namespace {

using testing::event_files;
using testing::expect_error;
using testing::read_events;
using testing::TempDir;

std::string step_tag(int64_t step) {
  std::string tag = "t";
  tag += std::to_string(step);
  return tag;
}

proto::Event step_event(int64_t step) {
  proto::Event event;
  event.set_step(step);
  event.mutable_summary()->add_value()->set_tag(step_tag(step));
  return event;
}

TEST(EventFileName, IsTensorFlowsName) {
  EXPECT_EQ(event_file_name(1700000000, "node7", ""), "events.out.tfevents.1700000000.node7");
  EXPECT_EQ(event_file_name(42, "h", ".v2"), "events.out.tfevents.0000000042.h.v2");
}

TEST(EventFileWriter, FirstEventAnnouncesTheFileVersionThenEventsInOrder) {
  TempDir dir;
  std::string logdir = dir.file("run/train");  // created with its parents
  EventFileWriter writer(logdir);
  std::string name = std::filesystem::path(writer.path()).filename().string();
  EXPECT_EQ(name.rfind("events.out.tfevents.", 0), 0u) << name;
  std::string host = ".";
  host += host_name();
  EXPECT_NE(name.find(host), std::string::npos) << name;
  for (int64_t step = 0; step < 3; ++step) writer.add_event(step_event(step));
  writer.close();
  EXPECT_EQ(event_files(logdir), std::vector<std::string>{writer.path()});
  std::vector<proto::Event> events = read_events(writer.path());
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].file_version(), "brain.Event:2");
  EXPECT_EQ(events[0].source_metadata().writer(), "tandem");
  EXPECT_GT(events[0].wall_time(), 1.6e9);  // seconds since 1970, not a steady clock
  for (int64_t step = 0; step < 3; ++step) {
    const proto::Event& event = events[static_cast<size_t>(step) + 1];
    EXPECT_EQ(event.step(), step);
    EXPECT_EQ(event.summary().value(0).tag(), step_tag(step));
    EXPECT_GE(event.wall_time(), events[0].wall_time());
  }
}

TEST(EventFileWriter, KeepsAGivenWallTime) {
  TempDir dir;
  EventFileWriter writer(dir.file("logs"));
  proto::Event event = step_event(5);
  event.set_wall_time(123.25);
  writer.add_event(event);
  writer.close();
  EXPECT_EQ(read_events(writer.path()).at(1).wall_time(), 123.25);
}

TEST(EventFileWriter, FlushesOnceMoreThanMaxQueueEventsWait) {
  TempDir dir;
  EventFileWriter writer(dir.file("logs"), {.max_queue = 2, .flush_millis = 3'600'000});
  // The version event is flushed at once; the next two wait in the buffer, the third flushes.
  EXPECT_EQ(read_events(writer.path()).size(), 1u);
  writer.add_event(step_event(0));
  writer.add_event(step_event(1));
  EXPECT_EQ(read_events(writer.path()).size(), 1u);
  writer.add_event(step_event(2));
  EXPECT_EQ(read_events(writer.path()).size(), 4u);
  writer.add_event(step_event(3));
  writer.flush();
  EXPECT_EQ(read_events(writer.path()).size(), 5u);
}

TEST(EventFileWriter, WritersStartedTogetherGetTheirOwnFiles) {
  TempDir dir;
  std::set<std::string> paths;
  std::vector<std::unique_ptr<EventFileWriter>> writers;
  for (int i = 0; i < 3; ++i) {
    writers.push_back(std::make_unique<EventFileWriter>(dir.file("logs")));
    writers.back()->add_event(step_event(i));
    paths.insert(writers.back()->path());
  }
  EXPECT_EQ(paths.size(), 3u);
  for (auto& writer : writers) writer->close();
  for (int i = 0; i < 3; ++i) {
    std::vector<proto::Event> events = read_events(writers[static_cast<size_t>(i)]->path());
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[1].step(), i);
  }
}

TEST(EventFileWriter, ErrorsNameWhatIsWrong) {
  TempDir dir;
  EventFileWriter writer(dir.file("logs"));
  writer.close();
  writer.close();  // idempotent
  expect_error<IOError>([&] { writer.add_event(step_event(0)); }, "the writer is closed");
  expect_error<ValueError>([] { EventFileWriter bad(""); }, "needs a log directory");
  expect_error<ValueError>([&] { EventFileWriter bad(dir.file("x"), {.max_queue = -1}); },
                           "max_queue must be 0 or more events, received -1");
  testing::write_bytes(dir.file("a_file"), "x");
  expect_error<IOError>([&] { EventFileWriter bad(dir.file("a_file/logs")); },
                        "cannot create the log directory '" + dir.file("a_file/logs") + "'");
}

}  // namespace
}  // namespace tandem::io
