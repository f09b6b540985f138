// CPU random-number kernels over raw buffers, driven by the counter-based Philox generator
// (kernels/common/philox.h). Element i's value is a function of (stream, i) only, so the output is
// the same for any number of OpenMP threads.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/common/philox.h"
#include "kernels/common/scalar_type.h"

namespace tandem::kernels::cpu {

// out[i] uniform in [minval, maxval) for a floating type t (values that round up to maxval in t are
// stepped down to the largest value below it).
void random_uniform(ScalarType t, void* out, int64_t n, PhiloxStream stream, double minval,
                    double maxval);

// out[i] uniform integer in [minval, maxval) for t = int32 or int64; requires minval < maxval.
void random_uniform_int(ScalarType t, void* out, int64_t n, PhiloxStream stream, int64_t minval,
                        int64_t maxval);

// out[i] = mean + stddev * z, z standard normal (Box-Muller), for a floating type t.
void random_normal(ScalarType t, void* out, int64_t n, PhiloxStream stream, double mean,
                   double stddev);

// Like random_normal, but z is redrawn while |z| >= 2. Element i's retries come from its own
// sub-stream counters, so they never shift another element's draws.
void truncated_normal(ScalarType t, void* out, int64_t n, PhiloxStream stream, double mean,
                      double stddev);

// perm = a uniformly random permutation of [0, n) (Fisher-Yates; swap k draws from counter k).
void random_permutation(int64_t* perm, int64_t n, PhiloxStream stream);

// dst row k = src row perm[k], rows of row_bytes bytes (trivially copyable data).
void gather_rows(const void* src, void* dst, const int64_t* perm, int64_t rows, size_t row_bytes);

}  // namespace tandem::kernels::cpu
