#include "tandem/io/summary.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

#include "tandem/core/error.h"
#include "tandem/core/tensor.h"
#include "tandem/io/png_encoder.h"
#include "tandem/io/tfrecord_format.h"

namespace tandem::summary {

namespace {

// The plugin that shows a tag, as TF2's summary ops record it. Version 0 of each plugin's own
// data proto serializes to nothing, so `content` stays empty.
proto::SummaryMetadata plugin_metadata(const std::string& plugin, proto::DataClass data_class,
                                       const std::string& description) {
  proto::SummaryMetadata metadata;
  metadata.mutable_plugin_data()->set_plugin_name(plugin);
  metadata.set_data_class(data_class);
  if (!description.empty()) metadata.set_summary_description(description);
  return metadata;
}

// The writer and step a summary op writes with; nullptr when it writes nothing (no default
// writer, or one that drops summaries), as TF returns False then without asking for a step.
SummaryWriterPtr writer_for(const std::string& name, std::optional<int64_t>& step) {
  SummaryWriterPtr writer = default_writer();
  if (writer == nullptr || !writer->writes()) return nullptr;
  if (!step) step = experimental::get_step();
  TANDEM_CHECK(step.has_value(), ValueError, "no step set for summary '", name,
               "': pass one, give one to writer->as_default(step), or call "
               "summary::experimental::set_step()");
  return writer;
}

void set_shape(proto::TensorProto& tensor, const Shape& shape) {
  auto* proto_shape = tensor.mutable_tensor_shape();  // present even for a scalar, as in TF
  for (int i = 0; i < shape.rank(); ++i) proto_shape->add_dim()->set_size(shape[i]);
}

bool write_scalar(const std::string& name, float value, std::optional<int64_t> step,
                  const std::string& description) {
  SummaryWriterPtr writer = writer_for(name, step);
  if (writer == nullptr) return false;
  proto::Summary::Value summary_value;
  summary_value.set_tag(name);
  *summary_value.mutable_metadata() =
      plugin_metadata("scalars", proto::DATA_CLASS_SCALAR, description);
  proto::TensorProto& tensor = *summary_value.mutable_tensor();
  tensor.set_dtype(proto::DT_FLOAT);
  tensor.mutable_tensor_shape();
  // TF's writer stores numeric tensors as raw little-endian bytes (AsProtoTensorContent).
  char bytes[4];
  io::store_le32(bytes, std::bit_cast<uint32_t>(value));
  tensor.set_tensor_content(bytes, sizeof bytes);
  return writer->write(std::move(summary_value), *step);
}

bool write_text(const std::string& name, const std::vector<std::string>& strings,
                const Shape& shape, std::optional<int64_t> step, const std::string& description) {
  SummaryWriterPtr writer = writer_for(name, step);
  if (writer == nullptr) return false;
  proto::Summary::Value summary_value;
  summary_value.set_tag(name);
  *summary_value.mutable_metadata() =
      plugin_metadata("text", proto::DATA_CLASS_TENSOR, description);
  proto::TensorProto& tensor = *summary_value.mutable_tensor();
  tensor.set_dtype(proto::DT_STRING);
  set_shape(tensor, shape);
  for (const std::string& s : strings) tensor.add_string_val(s);
  return writer->write(std::move(summary_value), *step);
}

// One image of the batch as 8-bit pixels: uint8 as is; floating point in [0, 1] scaled by 255.5
// and saturated, as tf.image.convert_image_dtype(..., saturate=True) does.
std::vector<uint8_t> image_pixels(const Tensor& batch, int64_t index, int64_t pixels_per_image,
                                  const std::vector<double>& as_double,
                                  const std::vector<uint8_t>& as_uint8) {
  auto begin = static_cast<size_t>(index * pixels_per_image);
  auto end = begin + static_cast<size_t>(pixels_per_image);
  if (batch.dtype() == DType::kUInt8) {
    return std::vector<uint8_t>(as_uint8.begin() + static_cast<std::ptrdiff_t>(begin),
                                as_uint8.begin() + static_cast<std::ptrdiff_t>(end));
  }
  std::vector<uint8_t> pixels(static_cast<size_t>(pixels_per_image));
  for (size_t i = begin; i < end; ++i) {
    double scaled = as_double[i] * 255.5;
    if (!(scaled > 0)) scaled = 0;  // NaN too
    pixels[i - begin] = static_cast<uint8_t>(std::min(scaled, 255.0));
  }
  return pixels;
}

}  // namespace

bool scalar(const std::string& name, double data, std::optional<int64_t> step,
            const std::string& description) {
  return write_scalar(name, static_cast<float>(data), step, description);
}

bool scalar(const std::string& name, const Tensor& data, std::optional<int64_t> step,
            const std::string& description) {
  TANDEM_CHECK(data.shape().rank() == 0, ShapeError, "summary::scalar '", name,
               "' expected a scalar (shape []), received shape ", data.shape().to_string());
  TANDEM_CHECK(data.dtype() != DType::kString, TypeError, "summary::scalar '", name,
               "' expected a numeric tensor, received dtype string");
  return write_scalar(name, static_cast<float>(data.to_vector<double>()[0]), step, description);
}

bool histogram(const std::string& name, const Tensor& data, std::optional<int64_t> step,
               HistogramOptions options) {
  TANDEM_CHECK(data.dtype() != DType::kString, TypeError, "summary::histogram '", name,
               "' expected a numeric tensor, received dtype string");
  TANDEM_CHECK(options.buckets >= 1, ValueError, "summary::histogram '", name,
               "' expected buckets >= 1, received ", options.buckets);
  SummaryWriterPtr writer = writer_for(name, step);
  if (writer == nullptr) return false;
  proto::Summary::Value summary_value;
  summary_value.set_tag(name);
  // A HistogramProto value needs no plugin metadata: TensorBoard files it under histograms.
  if (!options.description.empty()) {
    summary_value.mutable_metadata()->set_summary_description(options.description);
  }
  *summary_value.mutable_histo() = io::make_histogram(data.to_vector<double>(), options.buckets);
  return writer->write(std::move(summary_value), *step);
}

bool image(const std::string& name, const Tensor& data, std::optional<int64_t> step,
           ImageOptions options) {
  const Shape& shape = data.shape();
  TANDEM_CHECK(shape.rank() == 4 && shape[3] >= 1 && shape[3] <= 4, ShapeError, "summary::image '",
               name, "' expected images [k, height, width, channels] with 1 to 4 channels, ",
               "received shape ", shape.to_string());
  TANDEM_CHECK(data.dtype() == DType::kUInt8 || is_floating(data.dtype()), TypeError,
               "summary::image '", name, "' expected uint8 or floating-point images, received ",
               dtype_name(data.dtype()));
  TANDEM_CHECK(options.max_outputs >= 1, ValueError, "summary::image '", name,
               "' expected max_outputs >= 1, received ", options.max_outputs);
  SummaryWriterPtr writer = writer_for(name, step);
  if (writer == nullptr) return false;
  int64_t count = std::min(options.max_outputs, shape[0]);
  int64_t height = shape[1], width = shape[2];
  auto channels = static_cast<int>(shape[3]);
  proto::Summary::Value summary_value;
  summary_value.set_tag(name);
  *summary_value.mutable_metadata() =
      plugin_metadata("images", proto::DATA_CLASS_BLOB_SEQUENCE, options.description);
  // TF2's image summary: a string vector [width, height, png_0, ..., png_{k-1}].
  proto::TensorProto& tensor = *summary_value.mutable_tensor();
  tensor.set_dtype(proto::DT_STRING);
  tensor.mutable_tensor_shape()->add_dim()->set_size(2 + count);
  tensor.add_string_val(std::to_string(width));
  tensor.add_string_val(std::to_string(height));
  if (count > 0) {
    std::vector<double> as_double;
    std::vector<uint8_t> as_uint8;
    if (data.dtype() == DType::kUInt8) {
      as_uint8 = data.to_vector<uint8_t>();
    } else {
      as_double = data.to_vector<double>();
    }
    int64_t per_image = height * width * channels;
    for (int64_t k = 0; k < count; ++k) {
      std::vector<uint8_t> pixels = image_pixels(data, k, per_image, as_double, as_uint8);
      tensor.add_string_val(io::encode_png(pixels.data(), height, width, channels));
    }
  }
  return writer->write(std::move(summary_value), *step);
}

bool text(const std::string& name, const std::string& data, std::optional<int64_t> step,
          const std::string& description) {
  return write_text(name, {data}, Shape{}, step, description);
}

bool text(const std::string& name, const Tensor& data, std::optional<int64_t> step,
          const std::string& description) {
  TANDEM_CHECK(data.dtype() == DType::kString, TypeError, "summary::text '", name,
               "' expected a string tensor, received dtype ", dtype_name(data.dtype()));
  return write_text(name, data.to_vector<std::string>(), data.shape(), step, description);
}

void flush(const SummaryWriterPtr& writer) {
  SummaryWriterPtr target = writer != nullptr ? writer : default_writer();
  if (target != nullptr) target->flush();
}

}  // namespace tandem::summary
