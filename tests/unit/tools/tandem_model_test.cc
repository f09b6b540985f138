// Runs the tandem-model binary on an exported model: summary, predict from raw values and from a
// TFRecord file of tf.Example, and its errors.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "tandem/io/example.h"
#include "tandem/io/tfrecord_writer.h"
#include "tandem/tandem.h"
#include "testing/temp_files.h"

namespace tandem {
namespace {

using tandem::testing::read_bytes;
using tandem::testing::TempDir;
using tandem::testing::write_bytes;

int run(const std::string& args, const std::string& log) {
#ifdef TANDEM_MODEL_BIN
  return std::system((std::string(TANDEM_MODEL_BIN) + " " + args + " >" + log + " 2>&1").c_str());
#else
  (void)args;
  (void)log;
  return -1;
#endif
}

// y = x @ W + b with known weights, so the printed outputs can be checked exactly.
std::shared_ptr<Sequential> known_model() {
  auto model = std::make_shared<Sequential>(
      std::vector<std::shared_ptr<Layer>>{std::make_shared<layers::Dense>(
          2, layers::DenseOptions{.layer = {.input_shape = Shape{3}}})});
  model->set_weights({Tensor::from_vector<float>({1, 0, 0, 1, 1, 1}, Shape{3, 2}),
                      Tensor::from_vector<float>({0.5f, -1}, Shape{2})});
  return model;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(TandemModel, SummaryAndPredictFromRawValuesAndTFRecords) {
#ifndef TANDEM_MODEL_BIN
  GTEST_SKIP() << "tandem-model is not built";
#endif
  TempDir dir;
  std::string model_path = dir.file("m.tandem");
  models::export_model(*known_model(), model_path);

  ASSERT_EQ(run("summary " + model_path, dir.file("summary.log")), 0)
      << read_bytes(dir.file("summary.log"));
  std::string summary = read_bytes(dir.file("summary.log"));
  EXPECT_NE(summary.find("Total params: 8"), std::string::npos) << summary;
  EXPECT_NE(summary.find("Serving signature:"), std::string::npos) << summary;

  // Two examples as raw float32 values: [1, 2, 3] and [0, 0, 1].
  std::vector<float> raw = {1, 2, 3, 0, 0, 1};
  write_bytes(dir.file("x.bin"),
              std::string(reinterpret_cast<const char*>(raw.data()), raw.size() * sizeof(float)));
  ASSERT_EQ(run("predict " + model_path + " --raw " + dir.file("x.bin"), dir.file("raw.log")), 0)
      << read_bytes(dir.file("raw.log"));
  EXPECT_EQ(lines(read_bytes(dir.file("raw.log"))), (std::vector<std::string>{"4.5 4", "1.5 0"}));

  // The same examples as uint8 pixels in bytes features, scaled by 0.5.
  {
    io::TFRecordWriter writer(dir.file("x.tfrecord"));
    for (std::string pixels : {std::string("\x02\x04\x06", 3), std::string("\x00\x00\x02", 3)}) {
      writer.write(io::make_example({{"image", io::bytes_feature({pixels})}}).SerializeAsString());
    }
  }
  ASSERT_EQ(run("predict " + model_path + " --tfrecord " + dir.file("x.tfrecord") +
                    " --feature image --scale 0.5 --batch-size 1",
                dir.file("tfrecord.log")),
            0)
      << read_bytes(dir.file("tfrecord.log"));
  EXPECT_EQ(lines(read_bytes(dir.file("tfrecord.log"))),
            (std::vector<std::string>{"4.5 4", "1.5 0"}));
}

TEST(TandemModel, BadInputGivesNamedErrors) {
#ifndef TANDEM_MODEL_BIN
  GTEST_SKIP() << "tandem-model is not built";
#endif
  TempDir dir;
  std::string model_path = dir.file("m.tandem");
  models::export_model(*known_model(), model_path);
  write_bytes(dir.file("x.bin"), std::string(20, '\0'));  // 5 float32 values: not 3k
  EXPECT_NE(run("predict " + model_path + " --raw " + dir.file("x.bin"), dir.file("a.log")), 0);
  EXPECT_NE(read_bytes(dir.file("a.log")).find("holds 5 values, not a whole number of examples"),
            std::string::npos)
      << read_bytes(dir.file("a.log"));
  write_bytes(dir.file("junk.tfrecord"), "garbage that is not a record");
  EXPECT_NE(
      run("predict " + model_path + " --tfrecord " + dir.file("junk.tfrecord") + " --feature image",
          dir.file("b.log")),
      0);
  EXPECT_NE(read_bytes(dir.file("b.log")).find("junk.tfrecord"), std::string::npos)
      << read_bytes(dir.file("b.log"));
  EXPECT_NE(run("summary " + dir.file("missing.tandem"), dir.file("c.log")), 0);
  EXPECT_NE(read_bytes(dir.file("c.log")).find("missing.tandem"), std::string::npos);
  EXPECT_NE(run("frobnicate " + model_path, dir.file("d.log")), 0);
  EXPECT_NE(read_bytes(dir.file("d.log")).find("unknown command 'frobnicate'"), std::string::npos);
}

}  // namespace
}  // namespace tandem
