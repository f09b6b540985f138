#include "tandem/training/callbacks/callback.h"

#include "tandem/core/error.h"

namespace tandem {

Model& Callback::model() const {
  TANDEM_CHECK(model_ != nullptr, ValueError,
               "this callback is not attached to a model (fit, evaluate and predict attach it)");
  return *model_;
}

}  // namespace tandem
