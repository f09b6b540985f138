#include "tandem/core/registry.h"

namespace tandem {
namespace {

// The innermost live CustomObjectScope on this thread: custom objects are a property of one
// deserialisation, which runs on one thread.
thread_local const CustomObjectScope* t_scope = nullptr;

}  // namespace

CustomObjectScope::CustomObjectScope(const CustomObjects& custom)
    : custom_(&custom), outer_(t_scope) {
  t_scope = this;
}

CustomObjectScope::~CustomObjectScope() { t_scope = outer_; }

const CustomObjectScope* CustomObjectScope::current() { return t_scope; }

}  // namespace tandem
