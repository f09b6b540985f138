#include "kernels/cpu/batch_norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/parallel.h"

namespace tandem::kernels::cpu {
namespace {

// Per-channel sums over the rows: body(begin, end, acc) adds rows [begin, end) into acc
// ([sums][channels] doubles). The rows are cut into one chunk per thread (fewer when small), each
// with accumulators of its own, added in chunk order: the result depends on the thread count only.
template <class F>
std::vector<double> column_sums(int64_t rows, int64_t channels, int sums, F&& body) {
  const int64_t width = sums * channels;
  int64_t chunks = 1;
  const int threads = num_threads();
  if (threads > 1 && !omp_in_parallel() && rows * channels >= kParallelThreshold) {
    chunks = std::min<int64_t>({threads, rows, rows * channels / (kParallelThreshold / 4)});
  }
  std::vector<double> partial(static_cast<size_t>(chunks * width), 0.0);
  if (chunks == 1) {
    body(int64_t{0}, rows, partial.data());
    return partial;
  }
#pragma omp parallel for num_threads(static_cast <int>(chunks)) schedule(static)
  for (int64_t c = 0; c < chunks; ++c) {
    body(rows * c / chunks, rows * (c + 1) / chunks, partial.data() + c * width);
  }
  std::vector<double> total(partial.begin(), partial.begin() + width);
  for (int64_t c = 1; c < chunks; ++c) {
    for (int64_t i = 0; i < width; ++i) total[i] += partial[c * width + i];
  }
  return total;
}

template <class T>
double at(const void* p, int64_t c, double fallback) {
  return p ? static_cast<double>(static_cast<const T*>(p)[c]) : fallback;
}

// y = x * a[c] + b[c] over [rows, channels].
template <class T>
void scale_shift(int64_t rows, int64_t channels, const T* x, const std::vector<T>& a,
                 const std::vector<T>& b, T* y) {
  const T* pa = a.data();
  const T* pb = b.data();
  parallel_for(rows, channels, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const T* xr = x + r * channels;
      T* yr = y + r * channels;
#pragma omp simd
      for (int64_t c = 0; c < channels; ++c) yr[c] = xr[c] * pa[c] + pb[c];
    }
  });
}

// The per-channel a, b of y = x * a + b for y = (x - mean) * rsqrt(variance + eps) * scale +
// offset.
template <class T>
void fold(int64_t channels, const double* mean, const double* variance, const void* scale,
          const void* offset, double epsilon, std::vector<T>& a, std::vector<T>& b) {
  a.resize(static_cast<size_t>(channels));
  b.resize(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c) {
    const double s = at<T>(scale, c, 1.0) / std::sqrt(variance[c] + epsilon);
    a[c] = static_cast<T>(s);
    b[c] = static_cast<T>(at<T>(offset, c, 0.0) - mean[c] * s);
  }
}

// Rows per block whose sums are kept in T before they join the double accumulators: the inner
// loop then stays in T's vector width (double accumulation halves it), while a block is short
// enough that T's rounding does not add up.
constexpr int64_t kBlockRows = 64;

template <class T>
void training(const BatchNormTrainingArgs& a) {
  const int64_t rows = a.rows, channels = a.channels;
  const T* x = static_cast<const T*>(a.x);
  // One sweep for both statistics: sums of d = x - k and d^2, with k the first row, so that the
  // variance E[d^2] - E[d]^2 does not cancel for data far from zero (k is a sample of it).
  std::vector<T> shift(x, x + (rows > 0 ? channels : 0));
  shift.resize(static_cast<size_t>(channels), T(0));
  const T* k = shift.data();
  std::vector<double> sums = column_sums(rows, channels, 2, [&](int64_t lo, int64_t hi, double* s) {
    std::vector<T> block(static_cast<size_t>(2 * channels));
    T* b1 = block.data();
    T* b2 = b1 + channels;
    for (int64_t start = lo; start < hi; start += kBlockRows) {
      std::fill(block.begin(), block.end(), T(0));
      const int64_t end = std::min(hi, start + kBlockRows);
      for (int64_t r = start; r < end; ++r) {
        const T* xr = x + r * channels;
#pragma omp simd
        for (int64_t c = 0; c < channels; ++c) {
          const T d = xr[c] - k[c];
          b1[c] += d;
          b2[c] += d * d;
        }
      }
      for (int64_t c = 0; c < channels; ++c) {
        s[c] += static_cast<double>(b1[c]);
        s[channels + c] += static_cast<double>(b2[c]);
      }
    }
  });
  const double n = static_cast<double>(rows > 0 ? rows : 1);
  std::vector<double> mean(static_cast<size_t>(channels)), var(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c) {
    const double d_mean = sums[c] / n;
    mean[c] = static_cast<double>(k[c]) + d_mean;
    var[c] = std::max(0.0, sums[channels + c] / n - d_mean * d_mean);
  }
  std::vector<T> sa, sb;
  fold<T>(channels, mean.data(), var.data(), a.scale, a.offset, a.epsilon, sa, sb);
  scale_shift(rows, channels, x, sa, sb, static_cast<T*>(a.y));
  T* bm = static_cast<T*>(a.batch_mean);
  T* bv = static_cast<T*>(a.batch_variance);
  for (int64_t c = 0; c < channels; ++c) {
    bm[c] = static_cast<T>(mean[c]);
    bv[c] = static_cast<T>(var[c]);
  }
  // The moving statistics in the variables' precision, as the layer's composed update computed
  // them: running * momentum + batch * (1 - momentum).
  auto update = [&](const void* running, void* out, const T* batch) {
    if (!running || !out) return;
    const T keep = static_cast<T>(1.0 - a.factor), take = static_cast<T>(a.factor);
    const T* old = static_cast<const T*>(running);
    T* o = static_cast<T*>(out);
    for (int64_t c = 0; c < channels; ++c) o[c] = old[c] * keep + batch[c] * take;
  };
  update(a.running_mean, a.new_running_mean, bm);
  update(a.running_variance, a.new_running_variance, bv);
}

template <class T>
void inference(int64_t rows, int64_t channels, const T* x, const void* scale, const void* offset,
               const T* mean, const T* variance, double epsilon, T* y) {
  std::vector<double> m(mean, mean + channels), v(variance, variance + channels);
  std::vector<T> sa, sb;
  fold<T>(channels, m.data(), v.data(), scale, offset, epsilon, sa, sb);
  scale_shift(rows, channels, x, sa, sb, y);
}

template <class T>
void backward(const BatchNormBackwardArgs& a) {
  const int64_t rows = a.rows, channels = a.channels;
  const T* x = static_cast<const T*>(a.x);
  const T* dy = static_cast<const T*>(a.dy);
  const T* mean_t = static_cast<const T*>(a.mean);
  std::vector<double> inv_std(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c) {
    inv_std[c] = 1.0 / std::sqrt(at<T>(a.variance, c, 0.0) + a.epsilon);
  }
  // sum(dy) and sum(dy * (x - mean)) per channel, in one sweep; inference's dx needs neither.
  const bool need_sums = a.training || a.dscale || a.doffset;
  std::vector<double> sums;
  if (need_sums) {
    sums = column_sums(rows, channels, 2, [&](int64_t lo, int64_t hi, double* s) {
      std::vector<T> block(static_cast<size_t>(2 * channels));
      T* b_dy = block.data();
      T* b_dyx = b_dy + channels;
      for (int64_t start = lo; start < hi; start += kBlockRows) {
        std::fill(block.begin(), block.end(), T(0));
        const int64_t end = std::min(hi, start + kBlockRows);
        for (int64_t r = start; r < end; ++r) {
          const T* xr = x + r * channels;
          const T* dr = dy + r * channels;
#pragma omp simd
          for (int64_t c = 0; c < channels; ++c) {
            b_dy[c] += dr[c];
            b_dyx[c] += dr[c] * (xr[c] - mean_t[c]);
          }
        }
        for (int64_t c = 0; c < channels; ++c) {
          s[c] += static_cast<double>(b_dy[c]);
          s[channels + c] += static_cast<double>(b_dyx[c]);
        }
      }
    });
  }
  for (int64_t c = 0; c < channels; ++c) {
    if (a.dscale) static_cast<T*>(a.dscale)[c] = static_cast<T>(sums[channels + c] * inv_std[c]);
    if (a.doffset) static_cast<T*>(a.doffset)[c] = static_cast<T>(sums[c]);
  }
  if (!a.dx) return;
  // dx = k_dy * dy + k_x * (x - mean) + k_0 per channel.
  std::vector<T> k_dy(static_cast<size_t>(channels)), k_x(static_cast<size_t>(channels), T(0)),
      k_0(static_cast<size_t>(channels), T(0));
  const double n = static_cast<double>(rows > 0 ? rows : 1);
  for (int64_t c = 0; c < channels; ++c) {
    const double g = at<T>(a.scale, c, 1.0) * inv_std[c];
    k_dy[c] = static_cast<T>(g);
    if (a.training) {
      k_x[c] = static_cast<T>(-g * inv_std[c] * inv_std[c] * sums[channels + c] / n);
      k_0[c] = static_cast<T>(-g * sums[c] / n);
    }
  }
  T* dx = static_cast<T*>(a.dx);
  const T* pdy = k_dy.data();
  const T* px = k_x.data();
  const T* p0 = k_0.data();
  parallel_for(rows, 2 * channels, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const T* xr = x + r * channels;
      const T* dr = dy + r * channels;
      T* o = dx + r * channels;
#pragma omp simd
      for (int64_t c = 0; c < channels; ++c) {
        o[c] = dr[c] * pdy[c] + (xr[c] - mean_t[c]) * px[c] + p0[c];
      }
    }
  });
}

template <class F>
void visit_bn_type(ScalarType t, F&& f) {
  if (t == ScalarType::kFloat64) {
    f(double{});
  } else {
    f(float{});
  }
}

}  // namespace

void batch_norm_training(ScalarType t, const BatchNormTrainingArgs& a) {
  visit_bn_type(t, [&](auto tag) { training<decltype(tag)>(a); });
}

void batch_norm_inference(ScalarType t, int64_t rows, int64_t channels, const void* x,
                          const void* scale, const void* offset, const void* mean,
                          const void* variance, double epsilon, void* y) {
  visit_bn_type(t, [&](auto tag) {
    using T = decltype(tag);
    inference<T>(rows, channels, static_cast<const T*>(x), scale, offset,
                 static_cast<const T*>(mean), static_cast<const T*>(variance), epsilon,
                 static_cast<T*>(y));
  });
}

void batch_norm_backward(ScalarType t, const BatchNormBackwardArgs& a) {
  visit_bn_type(t, [&](auto tag) { backward<decltype(tag)>(a); });
}

}  // namespace tandem::kernels::cpu
