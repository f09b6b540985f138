// tf.summary's ops for custom training loops: scalar, histogram, image, text and flush write to
// the thread's default writer (tandem/io/summary_writer.h) at `step`, or at the default step when
// none is given:
//
//   auto writer = summary::create_file_writer("logs/custom");
//   auto scope = writer->as_default();
//   for (int64_t step = 0; step < 100; ++step) {
//     ...
//     summary::scalar("loss", loss, step);
//   }
//
// Each returns true when it wrote and false when there is no default writer (or it writes
// nothing, as on a non-chief replica). Values are written in TF2's format: a TensorProto under the
// plugin's metadata (scalars, images, text), and histograms as a HistogramProto.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tandem/io/histogram.h"
#include "tandem/io/summary_writer.h"

namespace tandem {
class Tensor;
}

namespace tandem::summary {

// tf.summary.scalar: a float32 value. `data` may be a scalar tensor of any numeric dtype.
bool scalar(const std::string& name, double data, std::optional<int64_t> step = std::nullopt,
            const std::string& description = "");
bool scalar(const std::string& name, const Tensor& data, std::optional<int64_t> step = std::nullopt,
            const std::string& description = "");

struct HistogramOptions {
  int buckets = io::kDefaultHistogramBuckets;
  std::string description = "";
};

// tf.summary.histogram: the distribution of the values of a numeric tensor of any shape.
bool histogram(const std::string& name, const Tensor& data,
               std::optional<int64_t> step = std::nullopt, HistogramOptions options = {});

struct ImageOptions {
  int64_t max_outputs = 3;  // images written from the batch
  std::string description = "";
};

// tf.summary.image: a batch [k, height, width, channels] of images, channels 1 (grayscale), 2
// (grayscale + alpha), 3 (RGB) or 4 (RGBA); uint8, or floating point in [0, 1] (clipped). The
// first max_outputs are PNG-encoded.
bool image(const std::string& name, const Tensor& data, std::optional<int64_t> step = std::nullopt,
           ImageOptions options = {});

// tf.summary.text: Markdown text, or a string tensor of any shape (shown as a table).
bool text(const std::string& name, const std::string& data,
          std::optional<int64_t> step = std::nullopt, const std::string& description = "");
bool text(const std::string& name, const Tensor& data, std::optional<int64_t> step = std::nullopt,
          const std::string& description = "");

// tf.summary.flush: flushes `writer`, or the default writer when none is given.
void flush(const SummaryWriterPtr& writer = nullptr);

}  // namespace tandem::summary
