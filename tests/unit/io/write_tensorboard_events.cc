// Writes the event files that tensorboard_events_reader_test.py reads back with an independent
// reader (Python protobuf with TensorBoard's schema, python3-crc32c for the framing):
//   <out>/custom/  the summary API: scalars, a histogram, images, text
//   <out>/fit/     the TensorBoard callback over a short fit with validation
//   <out>/expected.json  the History of that fit, to compare the epoch scalars with
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "tandem/io/summary.h"
#include "tandem/layers/core/dense.h"
#include "tandem/models/sequential.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/linalg.h"
#include "tandem/ops/math.h"
#include "tandem/ops/random.h"
#include "tandem/optimizers/sgd.h"
#include "tandem/training/callbacks/tensorboard.h"

using namespace tandem;

namespace {

void write_custom(const std::string& logdir) {
  auto writer = summary::create_file_writer(logdir);
  auto scope = writer->as_default();
  summary::scalar("loss", 1.5, 0);
  summary::scalar("loss", 0.75, 1);
  summary::scalar("loss", 0.375, 2);
  summary::histogram(
      "weights", Tensor::from_vector(std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, Shape{10}),
      1, {.buckets = 5});
  // Two 2x3 grayscale images.
  std::vector<uint8_t> pixels = {0, 50, 100, 150, 200, 250, 1, 2, 3, 4, 5, 6};
  summary::image("digits", Tensor::from_vector(pixels, Shape{2, 2, 3, 1}), 2);
  summary::text("notes", "hello **world**", 0);
  writer->close();
}

nlohmann::json write_fit(const std::string& logdir) {
  Tensor x = random_normal(Shape{20, 2}, {.seed = 3});
  Tensor y = matmul(x, constant(std::vector<float>{2.0f, -3.0f}, Shape{2, 1})) + 0.5;
  auto model = std::make_shared<Sequential>();
  model->add(
      std::make_shared<layers::Dense>(1, layers::DenseOptions{.layer = {.input_shape = Shape{2}}}));
  model->compile({.optimizer = std::make_shared<optimizers::SGD>(
                      optimizers::SGDOptions{.learning_rate = 0.05}),
                  .loss = "mse"});
  auto callback = std::make_shared<TensorBoard>(
      logdir, TensorBoardOptions{.histogram_freq = 1, .update_freq = "batch"});
  History history = model->fit(x, y,
                               {.batch_size = 8,
                                .epochs = 2,
                                .verbose = 0,
                                .callbacks = {callback},
                                .validation_split = 0.2});
  nlohmann::json expected;
  for (const std::string& key : history.keys()) expected[key] = history[key];
  return expected;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: write_tensorboard_events OUT_DIR\n";
    return 2;
  }
  std::string out = argv[1];
  write_custom(out + "/custom");
  nlohmann::json expected = write_fit(out + "/fit");
  std::ofstream(out + "/expected.json") << expected.dump(2) << "\n";
  return 0;
}
