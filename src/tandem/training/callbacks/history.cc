#include "tandem/training/callbacks/history.h"

#include <algorithm>

#include "tandem/core/error.h"
#include "tandem/core/join.h"

namespace tandem {

void History::on_train_begin(Logs& /*logs*/) {
  epochs_.clear();
  keys_.clear();
  values_.clear();
}

void History::on_epoch_end(int epoch, Logs& logs) {
  epochs_.push_back(epoch);
  for (const auto& [key, value] : logs.items()) {
    auto it = std::find(keys_.begin(), keys_.end(), key);
    if (it == keys_.end()) {
      keys_.push_back(key);
      values_.emplace_back();
      it = keys_.end() - 1;
    }
    values_[it - keys_.begin()].push_back(value);
  }
}

bool History::contains(const std::string& key) const {
  return std::find(keys_.begin(), keys_.end(), key) != keys_.end();
}

const std::vector<double>& History::operator[](const std::string& key) const {
  auto it = std::find(keys_.begin(), keys_.end(), key);
  if (it == keys_.end()) {
    TANDEM_CHECK(false, ValueError, "History has no key '", key, "'; it has: [", join(keys_), "]");
  }
  return values_[it - keys_.begin()];
}

}  // namespace tandem
