// The one oneDNN CPU engine the kernels share, and a stream per calling thread (a oneDNN stream is
// not meant to be shared between threads that execute at the same time). Only for builds with
// oneDNN (TANDEM_HAVE_DNNL).
#pragma once

#include <dnnl.hpp>

namespace tandem::kernels::cpu {

dnnl::engine& engine();
dnnl::stream& stream();

// A oneDNN memory object over caller-owned float data. oneDNN's memory objects take non-const
// pointers even for the operands a primitive only reads.
inline dnnl::memory wrap(const dnnl::memory::desc& md, const float* data) {
  return {md, engine(), const_cast<float*>(data)};  // NOLINT(cppcoreguidelines-pro-type-const-cast)
}

}  // namespace tandem::kernels::cpu
