// The buckets of a histogram summary (tf.summary.histogram): `buckets` equal-width buckets from the
// smallest to the largest value, stored as a HistogramProto (TensorBoard's histogram format,
// which its histogram and distribution dashboards read).
#pragma once

#include <cstdint>
#include <vector>

#include "tandem/io/proto/histogram.pb.h"

namespace tandem::io {

inline constexpr int kDefaultHistogramBuckets = 30;  // tf.summary.histogram's default

// min, max, num, sum and sum of squares of the finite values, and the counts of `buckets`
// equal-width buckets, each given by its right edge (the last edge is the maximum). Each bucket
// holds the values from its left edge up to but excluding its right one; the last holds the
// maximum too. When every value is equal there is one bucket; when there is none, no bucket.
// NaN and infinities are left out (a diverged weight must not break the log). ValueError when
// `buckets` < 1.
proto::HistogramProto make_histogram(const std::vector<double>& values,
                                     int buckets = kDefaultHistogramBuckets);

}  // namespace tandem::io
