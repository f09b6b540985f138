// tf.summary's ops: scalar, histogram, image, text and flush write to the default writer in TF2's
// format (plugin metadata, TensorProto values, HistogramProto), steps come from the argument or
// the default step, and only the chief replica writes.
#include "tandem/io/summary.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <thread>

#include "tandem/core/error.h"
#include "tandem/core/tensor.h"
#include "tandem/distributed/strategy.h"
#include "testing/assertions.h"
#include "testing/event_files.h"
#include "testing/fake_replica.h"
#include "testing/temp_files.h"

namespace tandem::summary {
namespace {

using testing::expect_error;
using testing::read_events;
using testing::read_single_event_file;
using testing::scalars;
using testing::TempDir;
using testing::values_tagged;

TEST(Summary, ScalarsGoToTheDefaultWriterAtTheirStep) {
  TempDir dir;
  auto writer = create_file_writer(dir.file("logs"));
  ASSERT_TRUE(writer->writes());
  {
    auto scope = writer->as_default();
    EXPECT_EQ(default_writer(), writer);
    EXPECT_TRUE(scalar("loss", 0.5, 0));
    EXPECT_TRUE(scalar("loss", 0.25, 1, "the training loss"));
    EXPECT_TRUE(scalar("accuracy", Tensor::from_vector(std::vector<double>{0.75}, Shape{}), 1));
  }
  EXPECT_EQ(default_writer(), nullptr);
  EXPECT_FALSE(scalar("loss", 1.0, 2));  // no default writer: nothing written
  writer->close();
  std::vector<proto::Event> events = read_events(writer->path());
  auto by_tag = scalars(events);
  using Points = std::vector<std::pair<int64_t, float>>;
  EXPECT_EQ(by_tag["loss"], (Points{{0, 0.5f}, {1, 0.25f}}));
  EXPECT_EQ(by_tag["accuracy"], (Points{{1, 0.75f}}));
  auto loss = values_tagged(events, "loss");
  ASSERT_EQ(loss.size(), 2u);
  const proto::SummaryMetadata& metadata = loss[1].second.metadata();
  EXPECT_EQ(metadata.plugin_data().plugin_name(), "scalars");
  EXPECT_EQ(metadata.data_class(), proto::DATA_CLASS_SCALAR);
  EXPECT_EQ(metadata.summary_description(), "the training loss");
  EXPECT_TRUE(loss[1].second.has_tensor());
  EXPECT_TRUE(loss[1].second.tensor().has_tensor_shape());  // present, rank 0
}

TEST(Summary, StepComesFromTheScopeOrSetStepAndIsRequired) {
  TempDir dir;
  auto writer = create_file_writer(dir.file("logs"));
  {
    auto scope = writer->as_default(7);
    EXPECT_EQ(experimental::get_step(), 7);
    EXPECT_TRUE(scalar("a", 1.0));
    experimental::set_step(9);
    EXPECT_TRUE(scalar("b", 2.0));
  }
  EXPECT_EQ(experimental::get_step(), std::nullopt);  // the scope restored "no step"
  {
    auto scope = writer->as_default();
    expect_error<ValueError>([] { scalar("c", 3.0); },
                             "no step set for summary 'c': pass one, give one to "
                             "writer->as_default(step), or call "
                             "summary::experimental::set_step()");
  }
  writer->close();
  auto by_tag = scalars(read_events(writer->path()));
  EXPECT_EQ(by_tag["a"].at(0).first, 7);
  EXPECT_EQ(by_tag["b"].at(0).first, 9);
  EXPECT_EQ(by_tag.count("c"), 0u);
}

TEST(Summary, ScopesNestAndRestoreThePreviousWriter) {
  TempDir dir;
  auto outer = create_file_writer(dir.file("outer"));
  auto inner = create_file_writer(dir.file("inner"));
  auto outer_scope = outer->as_default(1);
  {
    auto inner_scope = inner->as_default(2);
    scalar("x", 1.0);
  }
  EXPECT_EQ(default_writer(), outer);
  scalar("x", 2.0);
  outer->close();
  inner->close();
  EXPECT_EQ(scalars(read_events(inner->path()))["x"],
            (std::vector<std::pair<int64_t, float>>{{2, 1.0f}}));
  EXPECT_EQ(scalars(read_events(outer->path()))["x"],
            (std::vector<std::pair<int64_t, float>>{{1, 2.0f}}));
}

TEST(Summary, TheDefaultWriterBelongsToItsThread) {
  TempDir dir;
  auto writer = create_file_writer(dir.file("logs"));
  auto scope = writer->as_default(4);
  bool other_thread_wrote = true;
  std::thread other([&] { other_thread_wrote = scalar("elsewhere", 1.0, 0); });
  other.join();
  EXPECT_FALSE(other_thread_wrote);  // as in TF: another thread starts with no default writer
  EXPECT_TRUE(scalar("here", 1.0));
}

TEST(Summary, HistogramIsAHistogramProtoOfTheTensorsValues) {
  TempDir dir;
  auto writer = create_file_writer(dir.file("logs"));
  auto scope = writer->as_default(3);
  Tensor data = Tensor::from_vector(std::vector<float>{0, 1, 2, 3, 4, 5}, Shape{2, 3});
  EXPECT_TRUE(histogram("weights", data, std::nullopt, {.buckets = 3}));
  writer->close();
  auto values = values_tagged(read_events(writer->path()), "weights");
  ASSERT_EQ(values.size(), 1u);
  EXPECT_EQ(values[0].first, 3);
  ASSERT_TRUE(values[0].second.has_histo());
  const proto::HistogramProto& h = values[0].second.histo();
  EXPECT_EQ(h.num(), 6);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 5);
  EXPECT_EQ(h.sum(), 15);
  EXPECT_EQ(std::vector<double>(h.bucket().begin(), h.bucket().end()),
            (std::vector<double>{2, 2, 2}));
  expect_error<TypeError>(
      [] { histogram("s", Tensor::from_vector(std::vector<std::string>{"a"}, Shape{1}), 0); },
      "summary::histogram 's' expected a numeric tensor, received dtype string");
}

// The pixels of a PNG written by encode_png (one IDAT, filter 0 rows), without the filter bytes.
std::vector<uint8_t> png_pixels(const std::string& png, size_t row_bytes, size_t rows) {
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  size_t ihdr_length = 13, idat_at = 8 + 12 + ihdr_length;
  uint32_t idat_length = 0;
  for (size_t i = 0; i < 4; ++i) {
    idat_length = (idat_length << 8) | static_cast<unsigned char>(png[idat_at + i]);
  }
  std::string raw(rows * (row_bytes + 1), '\0');
  uLongf size = raw.size();
  EXPECT_EQ(uncompress(reinterpret_cast<Bytef*>(raw.data()), &size,
                       reinterpret_cast<const Bytef*>(png.data() + idat_at + 8), idat_length),
            Z_OK);
  std::vector<uint8_t> pixels;
  for (size_t r = 0; r < rows; ++r) {
    for (size_t i = 0; i < row_bytes; ++i) {
      pixels.push_back(static_cast<uint8_t>(raw[r * (row_bytes + 1) + 1 + i]));
    }
  }
  return pixels;
}

TEST(Summary, ImageWritesWidthHeightAndUpToMaxOutputsPngs) {
  TempDir dir;
  auto writer = create_file_writer(dir.file("logs"));
  auto scope = writer->as_default(0);
  // 4 grayscale images of 1x2 pixels; only 3 are kept (max_outputs' default).
  std::vector<uint8_t> pixels = {0, 10, 20, 30, 40, 50, 60, 70};
  EXPECT_TRUE(image("digits", Tensor::from_vector(pixels, Shape{4, 1, 2, 1})));
  // Floating point in [0, 1] is scaled as convert_image_dtype(saturate=True) does.
  Tensor rgb = Tensor::from_vector(std::vector<float>{0.0f, 0.5f, 1.0f, -1.0f, 2.0f, 0.25f},
                                   Shape{1, 2, 1, 3});
  EXPECT_TRUE(image("rgb", rgb, 4, {.max_outputs = 5}));
  writer->close();
  std::vector<proto::Event> events = read_events(writer->path());
  auto digits = values_tagged(events, "digits");
  ASSERT_EQ(digits.size(), 1u);
  const proto::Summary::Value& value = digits[0].second;
  EXPECT_EQ(value.metadata().plugin_data().plugin_name(), "images");
  EXPECT_EQ(value.metadata().data_class(), proto::DATA_CLASS_BLOB_SEQUENCE);
  const proto::TensorProto& tensor = value.tensor();
  EXPECT_EQ(tensor.dtype(), proto::DT_STRING);
  ASSERT_EQ(tensor.tensor_shape().dim_size(), 1);
  EXPECT_EQ(tensor.tensor_shape().dim(0).size(), 5);
  ASSERT_EQ(tensor.string_val_size(), 5);
  EXPECT_EQ(tensor.string_val(0), "2");  // width
  EXPECT_EQ(tensor.string_val(1), "1");  // height
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(png_pixels(tensor.string_val(2 + k), 2, 1),
              (std::vector<uint8_t>{pixels[2 * k], pixels[2 * k + 1]}));
  }
  auto colour = values_tagged(events, "rgb");
  ASSERT_EQ(colour.size(), 1u);
  EXPECT_EQ(colour[0].first, 4);
  ASSERT_EQ(colour[0].second.tensor().string_val_size(), 3);
  EXPECT_EQ(png_pixels(colour[0].second.tensor().string_val(2), 3, 2),
            (std::vector<uint8_t>{0, 127, 255, 0, 255, 63}));
}

TEST(Summary, ImageChecksItsInput) {
  TempDir dir;
  auto writer = create_file_writer(dir.file("logs"));
  auto scope = writer->as_default(0);
  expect_error<ShapeError>(
      [] {
        image("i", Tensor::from_vector(std::vector<uint8_t>(6), Shape{1, 1, 1, 6}));
      },
      "[k, height, width, channels] with 1 to 4 channels, received shape (1, 1, 1, 6)");
  expect_error<TypeError>(
      [] {
        image("i", Tensor::from_vector(std::vector<int32_t>(3), Shape{1, 1, 1, 3}));
      },
      "uint8 or floating-point images, received int32");
  expect_error<ValueError>(
      [] {
        image("i", Tensor::from_vector(std::vector<uint8_t>(3), Shape{1, 1, 1, 3}), 0,
              {.max_outputs = 0});
      },
      "max_outputs >= 1, received 0");
}

TEST(Summary, TextIsAStringTensorUnderTheTextPlugin) {
  TempDir dir;
  auto writer = create_file_writer(dir.file("logs"));
  auto scope = writer->as_default(2);
  EXPECT_TRUE(text("notes", "**hello**"));
  EXPECT_TRUE(text("table",
                   Tensor::from_vector(std::vector<std::string>{"a", "b", "c", "d"}, Shape{2, 2})));
  expect_error<TypeError>([] { text("t", Tensor::from_vector(std::vector<float>{1}, Shape{1})); },
                          "summary::text 't' expected a string tensor, received dtype float32");
  writer->close();
  std::vector<proto::Event> events = read_events(writer->path());
  auto notes = values_tagged(events, "notes");
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].first, 2);
  EXPECT_EQ(notes[0].second.metadata().plugin_data().plugin_name(), "text");
  EXPECT_EQ(notes[0].second.tensor().dtype(), proto::DT_STRING);
  EXPECT_EQ(notes[0].second.tensor().tensor_shape().dim_size(), 0);
  ASSERT_EQ(notes[0].second.tensor().string_val_size(), 1);
  EXPECT_EQ(notes[0].second.tensor().string_val(0), "**hello**");
  auto table = values_tagged(events, "table");
  ASSERT_EQ(table.size(), 1u);
  ASSERT_EQ(table[0].second.tensor().tensor_shape().dim_size(), 2);
  EXPECT_EQ(table[0].second.tensor().string_val(3), "d");
}

TEST(Summary, FlushMakesPendingSummariesReadable) {
  TempDir dir;
  auto writer = create_file_writer(dir.file("logs"), {.max_queue = 100});
  auto scope = writer->as_default(0);
  scalar("a", 1.0);
  EXPECT_EQ(read_events(writer->path()).size(), 1u);  // only the version event so far
  flush();                                            // the default writer
  EXPECT_EQ(read_events(writer->path()).size(), 2u);
  scalar("b", 2.0);
  flush(writer);
  EXPECT_EQ(read_events(writer->path()).size(), 3u);
  writer->close();
  EXPECT_FALSE(scalar("c", 3.0));  // a closed writer drops summaries
  EXPECT_EQ(read_events(writer->path()).size(), 3u);
}

TEST(Summary, OnlyTheChiefReplicaWrites) {
  TempDir dir;
  {
    auto replica = distributed::scope(std::make_shared<testing::FakeReplica>(1, 2));
    auto writer = create_file_writer(dir.file("rank1"));
    EXPECT_FALSE(writer->writes());
    auto scope = writer->as_default(0);
    EXPECT_FALSE(scalar("loss", 1.0));
    // No step needed: like TF with recording off, nothing asks for one.
    EXPECT_FALSE(scalar("loss", 1.0, std::nullopt));
    auto everywhere = create_file_writer(dir.file("all"), {.all_replicas = true});
    EXPECT_TRUE(everywhere->writes());
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("rank1")));
  EXPECT_EQ(testing::event_files(dir.file("all")).size(), 1u);
  {
    auto replica = distributed::scope(std::make_shared<testing::FakeReplica>(0, 2));
    auto writer = create_file_writer(dir.file("rank0"));
    auto scope = writer->as_default(0);
    EXPECT_TRUE(scalar("loss", 1.0));
    writer->close();
  }
  EXPECT_EQ(scalars(read_single_event_file(dir.file("rank0")))["loss"].size(), 1u);
  EXPECT_FALSE(create_noop_writer()->writes());
}

}  // namespace
}  // namespace tandem::summary
