#include "tandem/training/callbacks/backup_and_restore.h"

#include <filesystem>

#include "tandem/core/error.h"
#include "tandem/distributed/strategy.h"
#include "tandem/io/model_file.h"
#include "tandem/models/model.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/random.h"

namespace tandem {

namespace {

// What a backup holds, in file order: the model's weights, then the optimizer's variables
// (iterations first, then the slots in creation order).
std::vector<Variable> training_variables(Model& model) {
  std::vector<Variable> out = model.weights();
  optimizers::Optimizer& optimizer = *model.optimizer();
  optimizer.build(model.trainable_weights());
  for (const Variable& v : optimizer.variables()) out.push_back(v);
  return out;
}

std::string describe(const std::string& name, const Tensor& t) {
  return "'" + name + "' " + dtype_name(t.dtype()) + " " + t.shape().to_string();
}

// The chief's half of a restore: reads the file into the variables; returns the saved state
// [epoch, start seed, start stream, end seed, end stream].
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
  TANDEM_CHECK(state != nullptr && state->value.num_elements() == 5, ValueError,
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
  distributed::Strategy& strategy = distributed::get_strategy();
  // The chief reads the backup (the other replicas' file systems need not have it) and hands the
  // state over; a chief that fails takes every replica down with it, none is left waiting.
  const bool exists = is_chief() && std::filesystem::exists(backup_path());
  if (!strategy.agree_any(exists)) return;
  TANDEM_CHECK(model().built(), ValueError, "BackupAndRestore: '", backup_path(),
               "' exists but model '", model().name(),
               "' has no weights yet to restore into: build it (give the first layer an "
               "input_shape, or call build()) before fit");
  std::vector<Variable> variables = training_variables(model());
  std::vector<int64_t> state(5, 0);
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
    throw DistributedError(strategy.prefix() +
                           "BackupAndRestore: the chief (rank 0) could not restore '" +
                           backup_path() + "'; its error says why");
  }
  strategy.broadcast_variables(variables);
  state = strategy.all_reduce_sum({constant(state, Shape{5})})[0].to_vector<int64_t>();
  model().resume_at_epoch(int(state[0]) + 1);
  // The shuffle seed of the killed run is drawn from the generator as it was when its training
  // began; the epochs after the backup continue from where the generator was then.
  set_random_generator_state({.seed = uint64_t(state[1]), .next_stream = uint64_t(state[2])});
  start_rng_[0] = uint64_t(state[1]);
  start_rng_[1] = uint64_t(state[2]);
  pending_rng_ = std::array<uint64_t, 2>{uint64_t(state[3]), uint64_t(state[4])};
}

void BackupAndRestore::on_epoch_begin(int, Logs&) {
  if (!pending_rng_) return;
  set_random_generator_state({.seed = (*pending_rng_)[0], .next_stream = (*pending_rng_)[1]});
  pending_rng_.reset();
}

void BackupAndRestore::on_epoch_end(int epoch, Logs&) {
  if (!is_chief()) return;  // every replica holds the same state
  std::vector<Variable> variables = training_variables(model());
  RandomGeneratorState rng = get_random_generator_state();
  std::vector<int64_t> state = {epoch, int64_t(start_rng_[0]), int64_t(start_rng_[1]),
                                int64_t(rng.seed), int64_t(rng.next_stream)};
  io::ModelFileContents contents;
  for (size_t i = 0; i < variables.size(); ++i)
    contents.tensors.push_back({.name = std::to_string(i) + ":" + variables[i].name(),
                                .group = "variables",
                                .value = variables[i].value()});
  contents.tensors.push_back(
      {.name = "training_state", .group = "backup", .value = constant(state, Shape{5})});
  std::error_code ec;
  std::filesystem::create_directories(backup_dir_, ec);
  TANDEM_CHECK(!ec, IOError, "BackupAndRestore could not create '", backup_dir_,
               "': ", ec.message());
  io::write_model_file(backup_path(), contents);
}

void BackupAndRestore::on_train_end(Logs&) {
  if (!options_.delete_checkpoint || !is_chief()) return;
  std::error_code ec;
  std::filesystem::remove(backup_path(), ec);
}

}  // namespace tandem
