#include "tandem/training/callbacks/terminate_on_nan.h"

#include <cmath>
#include <iostream>

namespace tandem {

void TerminateOnNaN::on_train_batch_end(int64_t batch, Logs& logs) {
  std::optional<double> loss = logs.get("loss");
  if (loss && !std::isfinite(*loss)) {
    out() << "Batch " << batch << ": Invalid loss, terminating training\n";
    trainer().set_stop_training(true);
  }
}

}  // namespace tandem
