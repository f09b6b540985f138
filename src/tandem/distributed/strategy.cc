#include "tandem/distributed/strategy.h"

#include <mutex>

#include "tandem/distributed/init.h"

namespace tandem::distributed {

namespace {

std::mutex scope_mutex;
StrategyPtr scoped;  // the innermost Strategy::Scope's strategy (scope_mutex)

}  // namespace

std::string Strategy::prefix() const {
  if (num_replicas_in_sync() <= 1) return "";
  return "[rank " + std::to_string(replica_id()) + "/" + std::to_string(num_replicas_in_sync()) +
         "] ";
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
