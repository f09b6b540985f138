// Tandem's exception hierarchy (DESIGN section 6). Messages say what was expected and what was
// received; in multi-rank runs they start with "[rank r/N] " (see set_error_prefix).
// ResourceExhaustedError (TensorFlow's name) is an allocation that cannot be satisfied.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace tandem {

// Text put in front of every error message, e.g. "[rank 1/4] "; set by the distributed layer.
void set_error_prefix(std::string prefix);
const std::string& error_prefix();

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(error_prefix() + message) {}
};
class ValueError : public Error {
  using Error::Error;
};
class TypeError : public Error {
  using Error::Error;
};
class ShapeError : public Error {
  using Error::Error;
};
class IOError : public Error {
  using Error::Error;
};
class DistributedError : public Error {
  using Error::Error;
};
class ResourceExhaustedError : public Error {
  using Error::Error;
};

namespace detail {
template <class... Parts>
std::string concat(Parts&&... parts) {
  std::ostringstream out;
  (out << ... << std::forward<Parts>(parts));
  return out.str();
}
}  // namespace detail

}  // namespace tandem

// Throws ErrorType with the streamed parts when cond is false.
#define TANDEM_CHECK(cond, ErrorType, ...)                               \
  do {                                                                   \
    if (!(cond)) throw ErrorType(::tandem::detail::concat(__VA_ARGS__)); \
  } while (0)
