// Command-line options shared by the training examples, so CI can run each one on a subset with
// an assertion:  fashion_mnist_mlp --epochs 1 --train-samples 6000 --min-accuracy 0.75
// and a person can run it on the full data:  fashion_mnist_mlp
#pragma once

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "tandem/data/datasets/fashion_mnist.h"

namespace examples {

struct ExampleOptions {
  int epochs = 5;
  std::optional<int64_t> train_samples = std::nullopt;  // default: all
  std::optional<int64_t> test_samples = std::nullopt;
  std::optional<double> min_accuracy = std::nullopt;  // exit 1 when the test accuracy is lower
  std::optional<double> max_loss = std::nullopt;      // exit 1 when the test loss is higher
  int verbose = 1;
  // Where fit keeps the best checkpoint and its BackupAndRestore state (examples that support it).
  std::optional<std::string> output_dir = std::nullopt;
};

inline ExampleOptions parse_options(int argc, char** argv, int default_epochs) {
  ExampleOptions o;
  o.epochs = default_epochs;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument("missing value after " + flag);
    std::string value = argv[++i];
    if (flag == "--epochs")
      o.epochs = std::stoi(value);
    else if (flag == "--train-samples")
      o.train_samples = std::stoll(value);
    else if (flag == "--test-samples")
      o.test_samples = std::stoll(value);
    else if (flag == "--min-accuracy")
      o.min_accuracy = std::stod(value);
    else if (flag == "--max-loss")
      o.max_loss = std::stod(value);
    else if (flag == "--verbose")
      o.verbose = std::stoi(value);
    else if (flag == "--output-dir")
      o.output_dir = value;
    else
      throw std::invalid_argument("unknown option " + flag);
  }
  return o;
}

// Fashion-MNIST as Keras loads it, cut to the first --train-samples / --test-samples examples.
inline tandem::datasets::TrainTestSplit load_fashion_mnist(const ExampleOptions& o) {
  auto [train, test] = tandem::datasets::fashion_mnist::load_data();
  auto first = [](const tandem::Tensor& t, std::optional<int64_t> n) {
    return n ? t[{tandem::Slice(0, *n)}] : t;
  };
  return {{first(train.first, o.train_samples), first(train.second, o.train_samples)},
          {first(test.first, o.test_samples), first(test.second, o.test_samples)}};
}

// The exit status: 1 when a requested bound is not met (so ctest fails), else 0.
inline int check_bounds(const ExampleOptions& o, std::optional<double> accuracy,
                        std::optional<double> loss) {
  if (o.min_accuracy && accuracy && *accuracy < *o.min_accuracy) {
    std::cerr << "FAILED: accuracy " << *accuracy << " < required " << *o.min_accuracy << "\n";
    return 1;
  }
  if (o.max_loss && loss && *loss > *o.max_loss) {
    std::cerr << "FAILED: loss " << *loss << " > allowed " << *o.max_loss << "\n";
    return 1;
  }
  return 0;
}

}  // namespace examples
