#include "tandem/training/callbacks/backup_and_restore.h"

#include <filesystem>

#include "tandem/core/error.h"
#include "tandem/distributed/strategy.h"
#include "tandem/io/model_file.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/random.h"

namespace tandem {

namespace {

// What a backup holds, in file order: the model's weights, then the optimizer's variables
// (iterations first, then the slots in creation order).
std::vector<Variable> training_variables(Trainer& model) {
  std::vector<Variable> out = model.weights();
  optimizers::Optimizer& optimizer = *model.optimizer();
  optimizer.build(model.trainable_weights());
  for (const Variable& v : optimizer.variables()) out.push_back(v);
  return out;
}

std::string describe(const std::string& name, const Tensor& t) {
  return "'" + name + "' " + dtype_name(t.dtype()) + " " + t.shape().to_string();
}

// The saved training state: [epoch, steps done in it (-1: all), the generator's seed and stream
// when training began, and at the save].
constexpr int64_t kStateSize = 6;

// The chief's half of a restore: reads the file into the variables; returns the saved state.
std::vector<int64_t> read_backup(const std::string& path, const std::vector<Variable>& variables) {
  io::ModelFileContents contents = io::read_model_file(path);
  std::vector<const io::ModelFileTensor*> saved;
  const io::ModelFileTensor* state = nullptr;
  for (const auto& t : contents.tensors) {
    if (t.group == "backup")
      state = &t;
    else
      saved.push_back(&t);
  }
  TANDEM_CHECK(state != nullptr && state->value.num_elements() == kStateSize, ValueError,
               "BackupAndRestore: '", path,
               "' is not a BackupAndRestore backup (no training state)");
  TANDEM_CHECK(saved.size() == variables.size(), ValueError, "BackupAndRestore: '", path,
               "' is the backup of another model: it holds ", saved.size(),
               " variables, this model and its optimizer have ", variables.size(),
               ". Point backup_dir at this model's own folder, or delete the old backup");
  for (size_t i = 0; i < variables.size(); ++i) {
    const Tensor& value = saved[i]->value;
    TANDEM_CHECK(value.shape() == variables[i].shape() && value.dtype() == variables[i].dtype(),
                 ValueError, "BackupAndRestore: '", path,
                 "' is the backup of another model: its variable ", i, " is ",
                 describe(saved[i]->name, value), " but this model's is ",
                 describe(variables[i].name(), variables[i].value()));
  }
  for (size_t i = 0; i < variables.size(); ++i) {
    Variable v = variables[i];
    v.assign(saved[i]->value);
  }
  return state->value.to_vector<int64_t>();
}

}  // namespace

BackupAndRestore::BackupAndRestore(std::string backup_dir, BackupAndRestoreOptions options)
    : backup_dir_(std::move(backup_dir)), options_(options) {
  TANDEM_CHECK(!backup_dir_.empty(), ValueError,
               "BackupAndRestore: expected a backup_dir, received an empty path");
}

std::string BackupAndRestore::backup_path() const {
  return (std::filesystem::path(backup_dir_) / "backup.tdm").string();
}

void BackupAndRestore::on_train_begin(Logs&) {
  RandomGeneratorState rng = get_random_generator_state();
  start_rng_[0] = rng.seed;
  start_rng_[1] = rng.next_stream;
  pending_rng_.reset();
  watch_ = std::make_unique<distributed::PreemptionWatch>();
  distributed::Strategy& strategy = distributed::get_strategy();
  // The chief reads the backup (the other replicas' file systems need not have it) and hands the
  // state over; a chief that fails takes every replica down with it, none is left waiting.
  const bool exists = is_chief() && std::filesystem::exists(backup_path());
  if (!strategy.agree_any(exists)) return;
  TANDEM_CHECK(trainer().built(), ValueError, "BackupAndRestore: '", backup_path(),
               "' exists but model '", trainer().name(),
               "' has no weights yet to restore into: build it (give the first layer an "
               "input_shape, or call build()) before fit");
  std::vector<Variable> variables = training_variables(trainer());
  std::vector<int64_t> state(kStateSize, 0);
  std::string error;
  if (exists) {
    try {
      state = read_backup(backup_path(), variables);
    } catch (const Error& e) {
      error = e.what();
    }
  }
  if (strategy.agree_any(!error.empty())) {
    TANDEM_CHECK(error.empty(), ValueError, error);
    throw DistributedError("BackupAndRestore: the chief (rank 0) could not restore '" +
                           backup_path() + "'; its error says why");
  }
  strategy.broadcast_variables(variables);
  state = strategy.all_reduce_sum({constant(state, Shape{kStateSize})})[0].to_vector<int64_t>();
  const int epoch = int(state[0]);
  const int64_t steps = state[1];
  if (steps < 0) {
    trainer().resume_at(epoch + 1);
  } else {
    trainer().resume_at(epoch, steps);
  }
  // The shuffle seed of the killed run is drawn from the generator as it was when its training
  // began; the steps after the backup continue from where the generator was then.
  set_random_generator_state({.seed = uint64_t(state[2]), .next_stream = uint64_t(state[3])});
  start_rng_[0] = uint64_t(state[2]);
  start_rng_[1] = uint64_t(state[3]);
  pending_rng_ = std::array<uint64_t, 2>{uint64_t(state[4]), uint64_t(state[5])};
}

void BackupAndRestore::on_epoch_begin(int, Logs&) {
  if (!pending_rng_) return;
  set_random_generator_state({.seed = (*pending_rng_)[0], .next_stream = (*pending_rng_)[1]});
  pending_rng_.reset();
}

void BackupAndRestore::on_epoch_end(int epoch, Logs&) { save(epoch, -1); }

void BackupAndRestore::on_preemption(int epoch, int64_t steps, Logs&) { save(epoch, steps); }

void BackupAndRestore::save(int epoch, int64_t steps) {
  std::vector<Variable> variables = training_variables(trainer());
  // Every replica holds the same state but for gradient accumulators in mid-cycle, which hold
  // each replica's own partial sums: averaging them changes no later update and makes the
  // chief's copy everyone's. Collective, and a no-op without accumulation.
  distributed::get_strategy().sync_gradient_accumulators(variables);
  if (!is_chief()) return;
  RandomGeneratorState rng = get_random_generator_state();
  std::vector<int64_t> state = {epoch,
                                steps,
                                int64_t(start_rng_[0]),
                                int64_t(start_rng_[1]),
                                int64_t(rng.seed),
                                int64_t(rng.next_stream)};
  io::ModelFileContents contents;
  for (size_t i = 0; i < variables.size(); ++i)
    contents.tensors.push_back({.name = std::to_string(i) + ":" + variables[i].name(),
                                .group = "variables",
                                .value = variables[i].value()});
  contents.tensors.push_back(
      {.name = "training_state", .group = "backup", .value = constant(state, Shape{kStateSize})});
  std::error_code ec;
  std::filesystem::create_directories(backup_dir_, ec);
  TANDEM_CHECK(!ec, IOError, "BackupAndRestore could not create '", backup_dir_,
               "': ", ec.message());
  io::write_model_file(backup_path(), contents);
}

void BackupAndRestore::on_train_end(Logs&) {
  watch_.reset();
  if (!options_.delete_checkpoint || !is_chief()) return;
  std::error_code ec;
  std::filesystem::remove(backup_path(), ec);
}

}  // namespace tandem
