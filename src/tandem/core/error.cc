#include "tandem/core/error.h"

namespace tandem {
namespace {
std::string& prefix_storage() {
  static std::string prefix;
  return prefix;
}
}  // namespace

void set_error_prefix(std::string prefix) { prefix_storage() = std::move(prefix); }
const std::string& error_prefix() { return prefix_storage(); }

}  // namespace tandem
