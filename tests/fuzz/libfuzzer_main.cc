// libFuzzer's entry point over the same one-input function as the mutation driver, built only when
// the compiler is clang. `fuzz_<target> --write-seeds corpus/` gives a starting corpus; for
// coverage inside the readers, configure the whole build with
// CMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link,address (docs/formats.md, "Fuzzing").
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A tandem::Error is a correct answer to bad input (run returns false); anything else escapes
  // and libFuzzer reports it as a crash.
  tandem::fuzz::kFuzzTarget.run(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
