#include "tandem/activations/keras_logits.h"

#include <array>
#include <cstdint>

namespace tandem::activations {
namespace {

// A few entries: a model's output activation and its loss follow each other closely. Older entries
// are overwritten, so at most this many logits tensors are kept alive per thread.
constexpr size_t kRemembered = 4;

struct Entry {
  uint64_t output_id = 0;
  LogitsOf kind = LogitsOf::kSoftmax;
  Tensor logits;
};

struct Ring {
  std::array<Entry, kRemembered> entries;
  size_t next = 0;
};

Ring& ring() {
  thread_local Ring r;
  return r;
}

}  // namespace

void remember_logits(const Tensor& output, const Tensor& logits, LogitsOf kind) {
  if (!output.defined() || !logits.defined()) return;
  Ring& r = ring();
  r.entries[r.next] = Entry{output.id(), kind, logits};
  r.next = (r.next + 1) % kRemembered;
}

std::optional<Tensor> remembered_logits(const Tensor& output, LogitsOf kind) {
  if (!output.defined()) return std::nullopt;
  for (const Entry& e : ring().entries) {
    if (e.logits.defined() && e.output_id == output.id() && e.kind == kind) return e.logits;
  }
  return std::nullopt;
}

}  // namespace tandem::activations
