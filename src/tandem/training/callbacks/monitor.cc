#include "tandem/training/callbacks/monitor.h"

#include <cmath>

#include "tandem/core/error.h"

namespace tandem {

Monitor::Monitor(std::string monitor, const std::string& mode, double min_delta)
    : monitor_(std::move(monitor)), min_delta_(std::fabs(min_delta)) {
  TANDEM_CHECK(mode == "min" || mode == "max" || mode == "auto", ValueError,
               "mode must be 'min', 'max' or 'auto', received '", mode, "'");
  if (mode == "auto") {
    maximize_ = monitor_.find("acc") != std::string::npos ||
                monitor_.find("auc") != std::string::npos || monitor_.rfind("fmeasure", 0) == 0;
  } else {
    maximize_ = mode == "max";
  }
}

bool Monitor::improves(double current, double reference) const {
  return maximize_ ? current - min_delta_ > reference : current + min_delta_ < reference;
}

double Monitor::worst() const {
  double inf = std::numeric_limits<double>::infinity();
  return maximize_ ? -inf : inf;
}

}  // namespace tandem
