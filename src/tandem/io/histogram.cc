#include "tandem/io/histogram.h"

#include <algorithm>
#include <cmath>

#include "tandem/core/error.h"

namespace tandem::io {

proto::HistogramProto make_histogram(const std::vector<double>& values, int buckets) {
  TANDEM_CHECK(buckets >= 1, ValueError, "a histogram needs at least 1 bucket, received ", buckets);
  std::vector<double> finite;
  finite.reserve(values.size());
  for (double v : values) {
    if (std::isfinite(v)) finite.push_back(v);
  }
  proto::HistogramProto histo;
  if (finite.empty()) return histo;
  auto [lo, hi] = std::minmax_element(finite.begin(), finite.end());
  double min = *lo, max = *hi, sum = 0, sum_squares = 0;
  for (double v : finite) {
    sum += v;
    sum_squares += v * v;
  }
  histo.set_min(min);
  histo.set_max(max);
  histo.set_num(static_cast<double>(finite.size()));
  histo.set_sum(sum);
  histo.set_sum_squares(sum_squares);
  // Equal values (or a range too small to split in doubles) make one bucket ending at the value.
  double width = (max - min) / buckets;
  if (!(width > 0) || !std::isfinite(width)) {
    histo.add_bucket_limit(max);
    histo.add_bucket(static_cast<double>(finite.size()));
    return histo;
  }
  std::vector<double> counts(static_cast<size_t>(buckets), 0.0);
  for (double v : finite) {
    // The clamp puts the maximum (and rounding at the top edge) into the last bucket.
    auto index = static_cast<int64_t>((v - min) / width);
    counts[static_cast<size_t>(std::clamp<int64_t>(index, 0, buckets - 1))] += 1;
  }
  for (int i = 0; i < buckets; ++i) {
    histo.add_bucket_limit(i == buckets - 1 ? max : min + width * (i + 1));
    histo.add_bucket(counts[static_cast<size_t>(i)]);
  }
  return histo;
}

}  // namespace tandem::io
