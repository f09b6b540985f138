#include "tandem/training/callbacks/callback_list.h"

#include "tandem/core/error.h"

namespace tandem {

CallbackList::CallbackList(Callbacks callbacks, Trainer& model, const CallbackParams& params)
    : callbacks_(std::move(callbacks)) {
  for (auto& callback : callbacks_) {
    TANDEM_CHECK(callback != nullptr, ValueError, "callbacks must not contain a null pointer");
    callback->set_model(&model);
    callback->set_params(params);
  }
}

}  // namespace tandem
