#include "tandem/training/callbacks/callback.h"

#include <iostream>

#include "tandem/core/error.h"
#include "tandem/distributed/strategy.h"

namespace tandem {

Trainer& Callback::trainer() const {
  TANDEM_CHECK(model_ != nullptr, ValueError,
               "this callback is not attached to a model (fit, evaluate and predict attach it)");
  return *model_;
}

bool Callback::is_chief() { return distributed::get_strategy().is_chief(); }

namespace {
std::ostream& discard() {
  static std::ostream none(nullptr);  // no buffer: every write is dropped
  return none;
}
}  // namespace

std::ostream& Callback::out() { return is_chief() ? std::cout : discard(); }
std::ostream& Callback::err() { return is_chief() ? std::cerr : discard(); }

}  // namespace tandem
