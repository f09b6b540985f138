// The one oneDNN CPU engine the kernels share, and a stream per calling thread (a oneDNN stream is
// not meant to be shared between threads that execute at the same time). Only for builds with
// oneDNN (TANDEM_HAVE_DNNL).
#pragma once

#include <dnnl.hpp>

namespace tandem::kernels::cpu {

dnnl::engine& engine();
dnnl::stream& stream();

}  // namespace tandem::kernels::cpu
