// tandem-model: inspects and runs a model exported with models::export_model (or any Tandem model
// file with a serving signature), without the training code.
//
//   tandem-model summary MODEL
//   tandem-model predict MODEL --raw FILE [--raw-dtype DTYPE] [--scale S] [--batch-size N]
//   tandem-model predict MODEL --tfrecord FILE --feature NAME [--compression ""|GZIP|ZLIB]
//                              [--scale S] [--batch-size N] [--max-examples N]
//
// predict needs a model with one input. --raw reads little-endian values of --raw-dtype (default:
// the input's dtype), as many examples as the file holds; --tfrecord reads one tf.Example per
// record and takes feature NAME (float_list, int64_list, or bytes_list holding raw uint8 values).
// The values are cast to the input's dtype, multiplied by --scale, and reshaped to the input's
// shape. Each example's outputs are printed on one line ("; " between outputs).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "tandem/core/error.h"
#include "tandem/io/decode_raw.h"
#include "tandem/io/proto/example.pb.h"
#include "tandem/io/tfrecord_reader.h"
#include "tandem/models/serving_model.h"
#include "tandem/ops/math.h"
#include "tandem/ops/shape_ops.h"

namespace {

using tandem::DType;
using tandem::Tensor;
using tandem::ValueError;

constexpr const char* kUsage =
    "usage: tandem-model summary MODEL\n"
    "       tandem-model predict MODEL --raw FILE [--raw-dtype DTYPE] [--scale S] [--batch-size "
    "N]\n"
    "       tandem-model predict MODEL --tfrecord FILE --feature NAME [--compression "
    "\"\"|GZIP|ZLIB]\n"
    "                                  [--scale S] [--batch-size N] [--max-examples N]\n"
    "Prints an exported model's summary and signature, or runs it and prints one line of\n"
    "outputs per example.\n";

struct Args {
  std::string command, model;
  std::map<std::string, std::string> options;
  std::string get(const std::string& key, const std::string& fallback = "") const {
    auto it = options.find(key);
    return it == options.end() ? fallback : it->second;
  }
};

Args parse_args(int argc, char** argv) {
  Args a;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (arg.rfind("--", 0) == 0) {
      TANDEM_CHECK(i + 1 < argc, ValueError, "missing value after ", arg);
      a.options[arg] = argv[++i];
    } else {
      positional.push_back(arg);
    }
  }
  TANDEM_CHECK(positional.size() == 2, ValueError,
               "expected a command (summary or predict) and a model file, received ",
               positional.size(), " positional argument(s)");
  a.command = positional[0];
  a.model = positional[1];
  static const std::vector<std::string> known = {"--raw",         "--raw-dtype",   "--scale",
                                                 "--batch-size",  "--tfrecord",    "--feature",
                                                 "--compression", "--max-examples"};
  for (const auto& [key, value] : a.options) {
    TANDEM_CHECK(std::find(known.begin(), known.end(), key) != known.end(), ValueError,
                 "unknown option ", key);
  }
  return a;
}

int64_t parse_int(const std::string& text, const std::string& flag) {
  try {
    size_t used = 0;
    int64_t v = std::stoll(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  throw ValueError(flag + " expected an integer, received '" + text + "'");
}

// All of a raw file's bytes as a 1-D tensor of `dtype`.
Tensor read_raw(const std::string& path, DType dtype) {
  std::ifstream in(path, std::ios::binary);
  TANDEM_CHECK(in.good(), tandem::IOError, "cannot open '", path, "'");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t width = tandem::dtype_size(dtype);
  TANDEM_CHECK(bytes.size() % width == 0, tandem::IOError, "'", path, "' holds ", bytes.size(),
               " bytes, not a whole number of ", tandem::dtype_name(dtype), " values (", width,
               " bytes each)");
  return tandem::io::decode_raw(Tensor::from_vector<std::string>({bytes}, tandem::Shape{}), dtype);
}

// One example's feature as a 1-D tensor (float32, int64, or uint8 from raw bytes).
Tensor feature_values(const tandem::proto::Example& example, const std::string& name,
                      const std::string& path, uint64_t offset) {
  const auto& features = example.features().feature();
  auto it = features.find(name);
  TANDEM_CHECK(it != features.end(), ValueError, "'", path, "' record at byte offset ", offset,
               ": feature '", name, "' is missing");
  const tandem::proto::Feature& f = it->second;
  switch (f.kind_case()) {
    case tandem::proto::Feature::kFloatList: {
      std::vector<float> v(f.float_list().value().begin(), f.float_list().value().end());
      return Tensor::from_vector<float>(v, tandem::Shape{static_cast<int64_t>(v.size())});
    }
    case tandem::proto::Feature::kInt64List: {
      std::vector<int64_t> v(f.int64_list().value().begin(), f.int64_list().value().end());
      return Tensor::from_vector<int64_t>(v, tandem::Shape{static_cast<int64_t>(v.size())});
    }
    case tandem::proto::Feature::kBytesList:
      TANDEM_CHECK(f.bytes_list().value_size() == 1, ValueError, "'", path,
                   "' record at byte offset ", offset, ": feature '", name,
                   "' expected one bytes value (raw uint8 data), received ",
                   f.bytes_list().value_size());
      return tandem::io::decode_raw(
          Tensor::from_vector<std::string>({f.bytes_list().value(0)}, tandem::Shape{}),
          tandem::uint8);
    default:
      throw ValueError(tandem::detail::concat("'", path, "' record at byte offset ", offset,
                                              ": feature '", name, "' is empty"));
  }
}

Tensor read_tfrecord(const Args& a) {
  std::string path = a.get("--tfrecord"), feature = a.get("--feature");
  TANDEM_CHECK(!feature.empty(), ValueError, "--tfrecord needs --feature NAME");
  int64_t limit =
      a.options.count("--max-examples") ? parse_int(a.get("--max-examples"), "--max-examples") : -1;
  tandem::io::TFRecordReader reader(path, {.compression_type = a.get("--compression")});
  std::vector<Tensor> rows;
  std::string record;
  for (uint64_t offset = reader.offset();
       (limit < 0 || int64_t(rows.size()) < limit) && reader.read(&record);
       offset = reader.offset()) {
    tandem::proto::Example example;
    TANDEM_CHECK(example.ParseFromString(record), ValueError, "'", path, "' record at byte offset ",
                 offset, " is not a tf.Example");
    Tensor values = feature_values(example, feature, path, offset);
    TANDEM_CHECK(rows.empty() || values.dtype() == rows[0].dtype(), ValueError, "'", path,
                 "' record at byte offset ", offset, ": feature '", feature,
                 "' changes its kind from one record to the next");
    rows.push_back(tandem::expand_dims(values, 0));
  }
  TANDEM_CHECK(!rows.empty(), ValueError, "'", path, "' holds no records");
  return tandem::concat(rows, 0);
}

// Values (one example per row, or a flat run of examples) shaped as the input with a batch axis.
Tensor as_input(Tensor values, const tandem::models::TensorSpec& spec, double scale,
                const std::string& source) {
  std::vector<int64_t> dims = spec.shape.as_list();
  int64_t per_example = 1;
  for (size_t d = 1; d < dims.size(); ++d) {
    TANDEM_CHECK(dims[d] >= 0, ValueError, "input '", spec.name, "' has an unknown dimension ", d,
                 "; tandem-model needs a fixed example shape");
    per_example *= dims[d];
  }
  const int64_t total = values.num_elements();
  TANDEM_CHECK(total % per_example == 0, ValueError, source, " holds ", total,
               " values, not a whole number of examples of ", per_example, " values (input '",
               spec.name, "' of shape ", spec.shape.to_string(), ")");
  dims[0] = total / per_example;
  Tensor x = tandem::cast(tandem::reshape(values, tandem::Shape(dims)), spec.dtype);
  return scale == 1.0 ? x : x * scale;
}

void print_outputs(const tandem::Tensors& outputs) {
  const int64_t n = outputs.empty() ? 0 : outputs[0].shape()[0];
  std::vector<std::vector<double>> values;
  std::vector<int64_t> widths;
  for (const Tensor& t : outputs) {
    values.push_back(tandem::cast(t, tandem::float64).to_vector<double>());
    widths.push_back(n > 0 ? t.num_elements() / n : 0);
  }
  for (int64_t i = 0; i < n; ++i) {
    std::string line;
    for (size_t o = 0; o < outputs.size(); ++o) {
      if (o > 0) line += " ;";
      for (int64_t k = 0; k < widths[o]; ++k) {
        char buf[32];
        std::snprintf(buf, sizeof(buf), "%s%.6g", line.empty() ? "" : " ",
                      values[o][i * widths[o] + k]);
        line += buf;
      }
    }
    std::puts(line.c_str());
  }
}

int run(const Args& a) {
  tandem::models::ServingModel model = tandem::models::ServingModel::load(a.model);
  if (a.command == "summary") {
    std::fputs(model.summary().c_str(), stdout);
    return 0;
  }
  TANDEM_CHECK(a.command == "predict", ValueError, "unknown command '", a.command,
               "': expected summary or predict");
  TANDEM_CHECK(model.signature().inputs.size() == 1, ValueError, "'", a.model, "' takes ",
               model.signature().inputs.size(), " inputs; tandem-model predict feeds one");
  const tandem::models::TensorSpec& spec = model.signature().inputs[0];
  const bool raw = a.options.count("--raw"), tfrecord = a.options.count("--tfrecord");
  TANDEM_CHECK(raw != tfrecord, ValueError, "predict needs exactly one of --raw and --tfrecord");
  double scale = 1.0;
  if (a.options.count("--scale")) {
    try {
      scale = std::stod(a.get("--scale"));
    } catch (const std::exception&) {
      throw ValueError("--scale expected a number, received '" + a.get("--scale") + "'");
    }
  }
  Tensor values = raw ? read_raw(a.get("--raw"), a.options.count("--raw-dtype")
                                                     ? tandem::dtype_from_name(a.get("--raw-dtype"))
                                                     : spec.dtype)
                      : read_tfrecord(a);
  Tensor x =
      as_input(values, spec, scale, "'" + (raw ? a.get("--raw") : a.get("--tfrecord")) + "'");
  int64_t batch_size = parse_int(a.get("--batch-size", "32"), "--batch-size");
  print_outputs(model.predict({x}, batch_size));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse_args(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tandem-model: %s\n", e.what());
    return 1;
  }
}
