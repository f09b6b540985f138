// Fuzz target: the model file reader (io/model_file.h). Any bytes on disk must give the file's
// contents or an IOError naming what is wrong; read_model_file_info and read_model_file must agree
// on the tensor index of a file they both accept.
#include <stdexcept>

#include "fuzz_target.h"
#include "tandem/core/error.h"
#include "tandem/io/model_file.h"

namespace tandem::fuzz {
namespace {

bool run(std::string_view input) {
  static const ScratchFile file("model_file");
  file.write(input);
  try {
    io::ModelFileInfo info = io::read_model_file_info(file.path());
    io::ModelFileContents contents = io::read_model_file(file.path());
    if (contents.tensors.size() != info.tensors.size()) {
      throw std::logic_error("read_model_file_info and read_model_file disagree on the count");
    }
    for (size_t i = 0; i < info.tensors.size(); ++i) {
      const Tensor& value = contents.tensors[i].value;
      if (contents.tensors[i].name != info.tensors[i].name ||
          value.dtype() != info.tensors[i].dtype || value.shape() != info.tensors[i].shape ||
          value.nbytes() != info.tensors[i].length) {
        throw std::logic_error("a tensor read back differs from its index entry");
      }
    }
    // The model layer's "model" group filter must also hold up.
    io::read_model_file(file.path(), {.groups = {"model"}, .verify_checksums = false});
    return true;
  } catch (const Error&) {
    return false;
  }
}

std::vector<std::string> seeds() {
  std::vector<std::string> out;
  const ScratchFile file("model_file_seed");
  auto add = [&](const io::ModelFileContents& contents) {
    io::write_model_file(file.path(), contents);
    std::FILE* f = std::fopen(file.path().c_str(), "rb");
    std::string bytes;
    char buffer[4096];
    for (size_t n; f != nullptr && (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) {
      bytes.append(buffer, n);
    }
    if (f != nullptr) std::fclose(f);
    out.push_back(bytes);
  };
  io::ModelFileContents model;
  model.architecture_json = R"({"class_name": "Sequential", "config": {"layers": []}})";
  model.compile_config_json = R"({"loss": "mse"})";
  model.optimizer_config_json = R"({"class_name": "SGD"})";
  model.tensors.push_back({"dense/kernel", "model",
                           Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, Shape{2, 3})});
  model.tensors.push_back(
      {"dense/bias", "model", Tensor::from_vector(std::vector<double>{0.5, -0.5}, Shape{2})});
  model.tensors.push_back(
      {"optimizer/iteration", "optimizer", Tensor::from_vector(std::vector<int64_t>{7}, Shape{})});
  add(model);
  io::ModelFileContents weights_only;
  weights_only.tensors.push_back(
      {"embedding/embeddings", "model",
       Tensor::from_vector(std::vector<int32_t>{1, 2, 3, 4, 5, 6, 7, 8}, Shape{4, 2})});
  add(weights_only);
  add(io::ModelFileContents{});
  return out;
}

}  // namespace

extern const Target kFuzzTarget = {"model_file", run, seeds};

}  // namespace tandem::fuzz
