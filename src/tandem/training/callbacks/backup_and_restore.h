// BackupAndRestore (tf.keras.callbacks.BackupAndRestore): at the end of every epoch the chief
// replica writes the training state to `backup_dir` (atomically: a crash leaves the previous
// backup intact); a fit started again with the same callback after the job was killed resumes
// from the last completed epoch. The state is everything the rest of training depends on: the
// model's weights (BatchNormalization statistics included), the optimizer's slots and iteration
// count, the epoch, and the random generator (so dropout and the shuffle order continue as they
// would have). The final weights then equal an uninterrupted run's, bit for bit, with the same
// number of replicas. A finished fit deletes the backup (delete_checkpoint).
//
// Preemption: while fit runs, SIGTERM and SIGUSR1 (a scheduler's notice: `scancel
// --signal=USR1`, `sbatch --signal=USR1@180`) make every replica stop at the next step boundary;
// the chief writes a backup of that exact step and the process exits with status
// distributed::kPreemptedExitCode (75) for the job script to requeue. The job started again
// resumes at that step, and still ends with the uninterrupted run's weights. (The resumed epoch's
// logs cover only the steps after the resume.)
//
// Exactness needs the data in each epoch to be a function of the epoch: fit's own shuffling of
// tensors is; a Dataset whose shuffle was seeded (or that the program builds after
// set_random_seed) is too. With steps_per_epoch shorter than the data, the resumed run starts a
// fresh pass instead of the killed iterator's position.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "tandem/distributed/preemption.h"
#include "tandem/training/callbacks/callback.h"

namespace tandem {

struct BackupAndRestoreOptions {
  // Remove the backup when fit finishes (Keras's default), so the next fit starts afresh.
  bool delete_checkpoint = true;
};

class BackupAndRestore : public Callback {
 public:
  bool reads_train_batch_logs() const override { return false; }  // epoch logs only
  explicit BackupAndRestore(std::string backup_dir, BackupAndRestoreOptions options = {});

  void on_train_begin(Logs& logs) override;
  void on_epoch_begin(int epoch, Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;
  void on_train_end(Logs& logs) override;
  void on_preemption(int epoch, int64_t steps, Logs& logs) override;

  // The backup file inside backup_dir.
  std::string backup_path() const;

 private:
  std::string backup_dir_;
  BackupAndRestoreOptions options_;
  // The random generator's state when training began, and at the last backed-up epoch's end
  // (restored once the resumed fit has drawn its shuffle seed, at the first epoch begin).
  uint64_t start_rng_[2] = {0, 0};
  std::optional<std::array<uint64_t, 2>> pending_rng_;
  std::unique_ptr<distributed::PreemptionWatch> watch_;  // while fit runs

  // Writes the backup of the state after `steps` steps of `epoch` (-1: the whole epoch).
  void save(int epoch, int64_t steps);
};

}  // namespace tandem
