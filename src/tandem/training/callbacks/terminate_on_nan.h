// TerminateOnNaN: stops fit as soon as a batch's loss is NaN or infinite (tf.keras.callbacks).
#pragma once

#include "tandem/training/callbacks/callback.h"

namespace tandem {

class TerminateOnNaN : public Callback {
 public:
  void on_train_batch_end(int64_t batch, Logs& logs) override;
};

}  // namespace tandem
