// The driver's own check: a target with a planted bug (a std::logic_error instead of a tandem
// error once a mutation shortens the input below 8 bytes). ctest expects fuzz_selfcheck to FAIL;
// if the driver stopped reporting non-tandem exceptions, this test would pass and ctest says so.
#include <stdexcept>

#include "fuzz_target.h"
#include "tandem/core/error.h"

namespace tandem::fuzz {
namespace {

bool run(std::string_view input) {
  if (input.size() < 8) throw std::logic_error("planted bug: a short input");
  try {
    TANDEM_CHECK(input[0] == 'T', ValueError, "not a selfcheck input");
    return true;
  } catch (const Error&) {
    return false;
  }
}

std::vector<std::string> seeds() { return {"TANDEM-SELFCHECK-SEED"}; }

}  // namespace

extern const Target kFuzzTarget = {"selfcheck", run, seeds};

}  // namespace tandem::fuzz
