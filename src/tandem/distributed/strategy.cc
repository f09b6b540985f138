#include "tandem/distributed/strategy.h"

#include <mutex>

#include "tandem/distributed/init.h"
#include "tandem/ops/math.h"

namespace tandem::distributed {

namespace {

std::mutex scope_mutex;
StrategyPtr scoped;  // the innermost Strategy::Scope's strategy (scope_mutex)

}  // namespace

std::vector<std::optional<Tensor>> Strategy::aggregate_accumulated_gradients(
    const std::vector<std::optional<Tensor>>& gradients, const std::vector<Variable>& variables,
    const std::vector<Variable>& accumulators) {
  (void)variables;
  std::vector<std::optional<Tensor>> out(gradients.size());
  for (size_t i = 0; i < gradients.size(); ++i)
    if (gradients[i] && gradients[i]->defined()) out[i] = accumulators[i].value() + *gradients[i];
  return out;
}

Strategy::Scope::Scope(StrategyPtr strategy) {
  std::lock_guard<std::mutex> lock(scope_mutex);
  previous_ = std::move(scoped);
  scoped = std::move(strategy);
}

Strategy::Scope::~Scope() {
  std::lock_guard<std::mutex> lock(scope_mutex);
  scoped = std::move(previous_);
}

Strategy::Scope scope(StrategyPtr strategy) { return Strategy::Scope(std::move(strategy)); }

StrategyPtr get_strategy_ptr() {
  {
    std::lock_guard<std::mutex> lock(scope_mutex);
    if (scoped) return scoped;
  }
  return init();
}

Strategy& get_strategy() { return *get_strategy_ptr(); }

}  // namespace tandem::distributed
