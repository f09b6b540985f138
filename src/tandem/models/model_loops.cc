// Model's fit / evaluate / predict loops (Keras's Model.fit and friends): batches from a
// DataHandler, one train_step / test_step / predict_step each, every callback hook in order.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include "tandem/core/error.h"
#include "tandem/distributed/gather_round_robin.h"
#include "tandem/distributed/preemption.h"
#include "tandem/distributed/strategy.h"
#include "tandem/models/model.h"
#include "tandem/ops/shape_ops.h"
#include "tandem/training/callbacks/callback_list.h"
#include "tandem/training/callbacks/progbar_logger.h"
#include "tandem/training/data_handler.h"
#include "tandem/training/metrics_sync.h"

namespace tandem {

namespace {

// Keras's order: the user's callbacks, then the progress bar (so values they add to the epoch's
// logs, such as "lr", reach the bar's line), then History. Only the chief replica draws the bar
// (DESIGN section 4): N ranks would otherwise print N interleaved bars.
Callbacks with_defaults(Callbacks callbacks, int verbose, std::shared_ptr<History> history) {
  if (verbose != 0 && distributed::get_strategy().is_chief()) {
    callbacks.push_back(std::make_shared<ProgbarLogger>());
  }
  if (history) callbacks.push_back(std::move(history));
  return callbacks;
}

Tensor rows(const Tensor& t, int64_t start, int64_t end) { return t[{Slice(start, end)}]; }

// validation_split: the last fraction of the samples, before any shuffling (Keras).
std::pair<Tensors, Tensors> split_rows(const Tensors& ts, double split) {
  Tensors train, held_out;
  for (const auto& t : ts) {
    int64_t n = t.shape()[0];
    auto at = static_cast<int64_t>(std::floor(static_cast<double>(n) * (1.0 - split)));
    TANDEM_CHECK(at > 0 && at < n, ValueError, "validation_split=", split, " of ", n,
                 " samples leaves no training or no validation samples");
    train.push_back(rows(t, 0, at));
    held_out.push_back(rows(t, at, n));
  }
  return {train, held_out};
}

bool validates_at(const FitOptions& o, int epoch) {
  if (!o.validation_epochs.empty()) {
    return std::find(o.validation_epochs.begin(), o.validation_epochs.end(), epoch + 1) !=
           o.validation_epochs.end();
  }
  return o.validation_freq > 0 && (epoch + 1) % o.validation_freq == 0;
}

DataHandler validation_handler(const Model& model, const ValidationData& v, const FitOptions& o) {
  distributed::Strategy& strategy = distributed::get_strategy();
  if (v.dataset) {
    return DataHandler::from_dataset(*v.dataset,
                                     {.input_names = model.input_names(),
                                      .output_names = model.output_names(),
                                      .steps_per_epoch = o.validation_steps,
                                      .use = DataUse::kEvaluate},
                                     strategy);
  }
  return DataHandler::from_tensors(
      v.x, v.y,
      {.batch_size = o.validation_batch_size.value_or(o.batch_size.value_or(32)),
       .sample_weight = v.sample_weight,
       .steps_per_epoch = o.validation_steps,
       .use = DataUse::kEvaluate},
      strategy);
}

Logs test_loop(Model& model, DataHandler& data, CallbackList& callbacks) {
  model.reset_metrics();
  Logs logs;
  callbacks.on_test_begin(logs);
  data.begin_epoch(0);
  int64_t step = 0;
  while (auto batch = data.next()) {
    Logs begin;
    callbacks.on_test_batch_begin(step, begin);
    logs = model.test_step(*batch);
    callbacks.on_test_batch_end(step, logs);
    ++step;
  }
  // Each replica evaluated its own shard to the end, however many batches it had; the summed
  // metric state counts every sample once (DESIGN section 4). Batch logs above are local.
  distributed::Strategy& strategy = distributed::get_strategy();
  TANDEM_CHECK(strategy.agree_max({step})[0] > 0, ValueError,
               "evaluate received no data (an empty dataset?)");
  // A replica whose shard is empty (fewer batches than replicas) still needs the compiled
  // metrics the first batch builds, to add its zero state to the sum: it runs one batch of the
  // whole data and forgets what it measured.
  if (step == 0) {
    if (std::optional<Batch> any = data.first_unsharded_batch()) {
      model.test_step(*any);
      model.reset_metrics();
    }
  }
  logs = with_global_metrics(model, strategy, logs);
  callbacks.on_test_end(logs);
  return logs;
}

// Every replica ends the process together once the callbacks have saved what they keep
// (distributed/preemption.h): the scheduler will stop the job anyway, and the exit status tells
// the job script to requeue it.
[[noreturn]] void end_preempted(distributed::Strategy& strategy, int epoch, int64_t steps) {
  strategy.barrier();
  if (strategy.is_chief())
    std::cerr << "Preempted: stopped after step " << steps << " of epoch " << epoch + 1
              << "; exiting with status " << distributed::kPreemptedExitCode
              << " so that the job can be requeued\n";
  distributed::run_preemption_exit();
}

// One epoch; `skip` batches were already trained on before a preemption (BackupAndRestore).
// `global_batch_logs`: whether batch logs carry the metrics summed over the replicas (some
// callback reads them), or this replica's own (the epoch's logs are summed once at the end).
Logs train_epoch(Model& model, DataHandler& data, CallbackList& callbacks, int epoch, int64_t skip,
                 bool global_batch_logs) {
  distributed::Strategy& strategy = distributed::get_strategy();
  model.reset_metrics();
  data.begin_epoch(epoch);
  Logs logs;
  callbacks.on_epoch_begin(epoch, logs);
  int64_t step = 0;
  for (; step < skip && data.next(); ++step) {
  }
  std::optional<Batch> batch = data.next();
  bool out_of_data = strategy.agree_any(!batch);
  while (!out_of_data) {
    Logs begin;
    callbacks.on_train_batch_begin(step, begin);
    logs = model.train_step(*batch);
    if (global_batch_logs) logs = with_global_metrics(model, strategy, logs);
    callbacks.on_train_batch_end(step, logs);
    ++step;
    // One agreement per step: whether any replica stops training, has no next batch (uneven
    // data of unknown size) or was told it will be preempted, so every replica runs the same
    // steps and none waits forever.
    batch = model.stop_training() ? std::nullopt : data.next();
    std::vector<int64_t> flags = strategy.agree_max({model.stop_training() ? 1 : 0, batch ? 0 : 1,
                                                     distributed::preemption_requested() ? 1 : 0});
    if (flags[2]) {
      callbacks.on_preemption(epoch, step, logs);
      end_preempted(strategy, epoch, step);
    }
    if (flags[0]) model.set_stop_training(true);
    out_of_data = flags[0] || flags[1];
  }
  TANDEM_CHECK(step > 0 || data.exhausted(), ValueError,
               "fit received no data (an empty dataset?)");
  if (!global_batch_logs && step > 0) logs = with_global_metrics(model, strategy, logs);
  if (strategy.agree_any(data.exhausted())) {
    // The dataset ran out before steps_per_epoch batches: Keras ends training after this epoch.
    if (strategy.is_chief())
      std::cerr
          << "WARNING: your input ran out of data; interrupting training. Make sure the dataset "
             "can generate at least steps_per_epoch * epochs batches (use repeat()).\n";
    model.set_stop_training(true);
  }
  return logs;
}

// Training start (DESIGN section 4): every replica takes the chief's weights and optimizer state,
// so loaded or differently initialised replicas start the same.
void sync_replicas(Model& model) {
  if (!model.built()) return;  // built by the first step, from the replicas' shared seed
  std::vector<Variable> variables = model.weights();
  optimizers::Optimizer& optimizer = *model.optimizer();
  optimizer.build(model.trainable_weights());
  for (const Variable& v : optimizer.variables()) variables.push_back(v);
  distributed::get_strategy().broadcast_variables(variables);
}

}  // namespace

History Model::fit(const Tensor& x, const Tensor& y, FitOptions options) {
  return fit(Tensors{x}, Tensors{y}, std::move(options));
}

History Model::fit(const Tensors& x, const Tensors& y, FitOptions options) {
  compile_state();
  Tensors x_train = x, y_train = y;
  std::optional<Tensor> sample_weight = options.sample_weight;
  if (options.validation_split > 0) {
    TANDEM_CHECK(options.validation_split < 1, ValueError,
                 "validation_split must be in [0, 1), received ", options.validation_split);
    auto [x_fit, x_held] = split_rows(x, options.validation_split);
    auto [y_fit, y_held] = split_rows(y, options.validation_split);
    x_train = x_fit;
    y_train = y_fit;
    ValidationData v(x_held, y_held);
    if (sample_weight) {
      auto [w_train, w_held] = split_rows({*sample_weight}, options.validation_split);
      sample_weight = w_train[0];
      v.sample_weight = w_held[0];
    }
    options.validation_data = v;
  }
  DataHandler data = DataHandler::from_tensors(x_train, y_train,
                                               {.batch_size = options.batch_size.value_or(32),
                                                .shuffle = options.shuffle,
                                                .sample_weight = sample_weight,
                                                .class_weight = options.class_weight,
                                                .steps_per_epoch = options.steps_per_epoch},
                                               distributed::get_strategy());
  return fit_with(data, options);
}

void Model::build_outputs_from(const data::Dataset& dataset) {
  if (!outputs_unknown()) return;
  std::optional<data::Element> first = dataset.make_iterator(0)->next();
  if (!first) return;  // nothing to train on; the loops say so
  std::vector<Shape> shapes;
  for (const std::string& name : input_names()) {
    if (first->is_map()) {
      if (!first->contains(name)) return;  // DataHandler names the missing key
      shapes.push_back((*first)[name].shape());
    } else if (first->size() > shapes.size()) {
      shapes.push_back(first->at(static_cast<int64_t>(shapes.size())).shape());
    }
  }
  if (!shapes.empty()) compute_output_shape(shapes);
}

History Model::fit(const data::Dataset& dataset, FitOptions options) {
  compile_state();
  build_outputs_from(dataset);
  TANDEM_CHECK(options.validation_split == 0, ValueError,
               "validation_split is only supported for tensor inputs; pass validation_data with "
               "a Dataset");
  DataHandler data = DataHandler::from_dataset(dataset,
                                               {.input_names = input_names(),
                                                .output_names = output_names(),
                                                .class_weight = options.class_weight,
                                                .steps_per_epoch = options.steps_per_epoch},
                                               distributed::get_strategy());
  return fit_with(data, options);
}

History Model::fit_with(DataHandler& data, const FitOptions& options) {
  TANDEM_CHECK(options.epochs >= 0 && options.initial_epoch >= 0, ValueError,
               "epochs and initial_epoch must be non-negative, received ", options.epochs, " and ",
               options.initial_epoch);
  std::optional<DataHandler> validation;
  if (options.validation_data)
    validation = validation_handler(*this, *options.validation_data, options);
  auto history = std::make_shared<History>();
  CallbackList callbacks(
      with_defaults(options.callbacks, options.verbose, history), *this,
      {.epochs = options.epochs, .steps = data.steps_per_epoch(), .verbose = options.verbose});
  stop_training_ = false;
  sync_replicas(*this);
  resume_.reset();
  Logs logs;
  callbacks.on_train_begin(logs);
  // Decided by every replica together: a callback added on the chief only must not make the
  // replicas disagree on which collectives a step runs.
  const bool global_batch_logs =
      distributed::get_strategy().agree_any(callbacks.reads_train_batch_logs());
  auto [first_epoch, skip] = resume_.value_or(std::make_pair(0, int64_t{0}));
  first_epoch = std::max(options.initial_epoch, first_epoch);
  resume_.reset();
  for (int epoch = first_epoch; epoch < options.epochs; ++epoch) {
    Logs epoch_logs = train_epoch(*this, data, callbacks, epoch, epoch == first_epoch ? skip : 0,
                                  global_batch_logs);
    if (stop_training_ && epoch_logs.empty()) break;
    if (validation && validates_at(options, epoch)) {
      Logs val = test_loop(*this, *validation, callbacks);
      for (const auto& [key, value] : val.items()) epoch_logs.set("val_" + key, value);
    }
    callbacks.on_epoch_end(epoch, epoch_logs);
    logs = epoch_logs;
    if (stop_training_) break;
  }
  callbacks.on_train_end(logs);
  history_ = *history;
  return history_;
}

Logs Model::evaluate(const Tensor& x, const Tensor& y, EvaluateOptions options) {
  return evaluate(Tensors{x}, Tensors{y}, std::move(options));
}

Logs Model::evaluate(const Tensors& x, const Tensors& y, EvaluateOptions options) {
  compile_state();
  DataHandler data = DataHandler::from_tensors(x, y,
                                               {.batch_size = options.batch_size.value_or(32),
                                                .sample_weight = options.sample_weight,
                                                .steps_per_epoch = options.steps,
                                                .use = DataUse::kEvaluate},
                                               distributed::get_strategy());
  return evaluate_with(data, options);
}

Logs Model::evaluate(const data::Dataset& dataset, EvaluateOptions options) {
  compile_state();
  build_outputs_from(dataset);
  DataHandler data = DataHandler::from_dataset(dataset,
                                               {.input_names = input_names(),
                                                .output_names = output_names(),
                                                .steps_per_epoch = options.steps,
                                                .use = DataUse::kEvaluate},
                                               distributed::get_strategy());
  return evaluate_with(data, options);
}

Logs Model::evaluate_with(DataHandler& data, const EvaluateOptions& options) {
  CallbackList callbacks(
      with_defaults(options.callbacks, options.verbose, nullptr), *this,
      {.epochs = 1, .steps = data.steps_per_epoch(), .verbose = options.verbose});
  return test_loop(*this, data, callbacks);
}

Tensor Model::predict(const Tensor& x, PredictOptions options) {
  Tensors out = predict(Tensors{x}, std::move(options));
  TANDEM_CHECK(out.size() == 1, ValueError, "model '", name(), "' has ", out.size(),
               " outputs: use the predict overload that returns Tensors");
  return out[0];
}

Tensors Model::predict(const Tensors& x, PredictOptions options) {
  DataHandler data = DataHandler::from_tensors(x, {},
                                               {.batch_size = options.batch_size.value_or(32),
                                                .steps_per_epoch = options.steps,
                                                .use = DataUse::kPredict},
                                               distributed::get_strategy());
  return predict_with(data, options);
}

Tensors Model::predict(const data::Dataset& dataset, PredictOptions options) {
  DataHandler data = DataHandler::from_dataset(dataset,
                                               {.input_names = input_names(),
                                                .output_names = output_names(),
                                                .steps_per_epoch = options.steps,
                                                .inputs_only = true,
                                                .use = DataUse::kPredict},
                                               distributed::get_strategy());
  return predict_with(data, options);
}

Tensors Model::predict_with(DataHandler& data, const PredictOptions& options) {
  CallbackList callbacks(
      with_defaults(options.callbacks, options.verbose, nullptr), *this,
      {.epochs = 1, .steps = data.steps_per_epoch(), .verbose = options.verbose});
  Logs logs;
  callbacks.on_predict_begin(logs);
  data.begin_epoch(0);
  std::vector<Tensors> per_output;
  int64_t step = 0;
  while (auto batch = data.next()) {
    Logs begin;
    callbacks.on_predict_batch_begin(step, begin);
    Tensors outputs = predict_step(batch->x);
    if (per_output.empty()) per_output.resize(outputs.size());
    for (size_t i = 0; i < outputs.size(); ++i) per_output[i].push_back(outputs[i]);
    Logs end;
    callbacks.on_predict_batch_end(step, end);
    ++step;
  }
  TANDEM_CHECK(step > 0, ValueError, "predict received no data (an empty dataset?)");
  callbacks.on_predict_end(logs);
  Tensors result;
  for (const auto& parts : per_output) {
    if (data.sharded()) {
      result.push_back(distributed::gather_round_robin(distributed::get_strategy(), parts));
    } else {
      result.push_back(parts.size() == 1 ? parts[0] : concat(parts, 0));
    }
  }
  return result;
}

}  // namespace tandem
