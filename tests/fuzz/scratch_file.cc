#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "fuzz_target.h"

namespace tandem::fuzz {

ScratchFile::ScratchFile(const char* target) {
  std::string name = "tandem_fuzz_";
  name += target;
  name += "_";
  name += std::to_string(getpid());
  path_ = (std::filesystem::temp_directory_path() / name).string();
}

ScratchFile::~ScratchFile() {
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

void ScratchFile::write(std::string_view bytes) const {
  std::FILE* f = std::fopen(path_.c_str(), "wb");
  // The harness itself failing is not a finding about the reader: stop loudly.
  if (f == nullptr) throw std::runtime_error("fuzz harness: cannot write " + path_);
  size_t put = std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
  if (put != bytes.size()) throw std::runtime_error("fuzz harness: short write to " + path_);
}

}  // namespace tandem::fuzz
