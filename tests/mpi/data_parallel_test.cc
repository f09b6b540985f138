// Data-parallel training under mpirun -np 2/3/4 (DESIGN section 4, docs/distributed.md). Every
// test compares what N ranks compute with what one process computes on the same data: the
// one-process reference runs in the same job under the default strategy's scope.
#include "tandem/distributed/data_parallel.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "mpi_test_main.h"
#include "tandem/distributed/init.h"
#include "tandem/tandem.h"

namespace tandem {
namespace {

using distributed::DataParallel;
using distributed::Strategy;
using layers::Dense;

std::shared_ptr<DataParallel> world_strategy() {
  return std::dynamic_pointer_cast<DataParallel>(distributed::init());
}
int replicas() { return world_strategy()->num_replicas_in_sync(); }

// The position of the variable `source` is a value of (the gradient-ready hook is keyed by it).
size_t position_of(const std::vector<Variable>& vars, const Tensor& source) {
  for (size_t i = 0; i < vars.size(); ++i)
    if (vars[i].id() == source.id()) return i;
  ADD_FAILURE() << "the gradient-ready hook named a tensor that is none of the sources";
  return vars.size();
}

// The one-process reference: runs `f` under the default (single-replica) strategy.
template <class F>
auto single_process(F f) {
  auto scope = distributed::scope(std::make_shared<Strategy>());
  return f();
}

// A train_step written the TensorFlow way, with no data-parallel call in it.
class CustomStep : public Sequential {
 public:
  using Sequential::Sequential;
  Logs train_step(const Batch& data) override {
    GradientTape tape;
    Tensors y_pred = (*this)(data.x, true);
    Tensor loss = compute_loss(data, y_pred);
    std::vector<Variable> vars = trainable_weights();
    optimizer()->apply_gradients(tape.gradient(loss, vars), vars);
    return compute_metrics(data, y_pred);
  }
};

template <class M = Sequential>
std::shared_ptr<M> mlp(int hidden = 16) {
  auto model = std::make_shared<M>();
  model->add(std::make_shared<Dense>(
      hidden, layers::DenseOptions{.activation = "relu", .layer = {.input_shape = Shape{8}}}));
  model->add(std::make_shared<Dense>(hidden, layers::DenseOptions{.activation = "relu"}));
  model->add(std::make_shared<Dense>(3));
  return model;
}

void compile_sgd(Model& model) {
  model.compile({.optimizer = std::make_shared<optimizers::SGD>(
                     optimizers::SGDOptions{.learning_rate = 0.1, .momentum = 0.9}),
                 .loss = std::make_shared<losses::SparseCategoricalCrossentropy>(
                     losses::SparseCategoricalCrossentropyOptions{.from_logits = true}),
                 .metrics = {"accuracy"}});
}

// The same inputs on every rank (op-level seeds).
std::pair<Tensor, Tensor> data(int64_t rows) {
  Tensor x = random_normal(Shape{rows, 8}, {.seed = 11});
  Tensor y = cast(
      random_uniform(Shape{rows}, {.minval = 0, .maxval = 3, .dtype = int64, .seed = 12}), int32);
  return {x, y};
}

double max_abs_difference(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    std::vector<float> u = a[i].to_vector<float>(), v = b[i].to_vector<float>();
    for (size_t j = 0; j < u.size(); ++j) worst = std::max(worst, double(std::abs(u[j] - v[j])));
  }
  return worst;
}

// N ranks with batch b take the same steps as one process with batch N * b on the same rows:
// the average of N batch-means of b rows is the mean over N * b rows. Float32 sums in another
// order differ by a few ulps per step; 1e-5 after 6 momentum-SGD steps on weights of order 0.3
// leaves room for that and fails on any real difference (a missing average is off by ~1e-2).
TEST(DataParallel, FitEqualsOneProcessWithTheGlobalBatch) {
  const int n = replicas();
  const int64_t b = 4, steps = 6;
  auto [x, y] = data(n * b * steps);
  set_random_seed(5);
  auto model = mlp();
  compile_sgd(*model);
  std::vector<Tensor> initial = model->get_weights();
  model->fit(x, y, {.batch_size = b, .epochs = 1, .verbose = 0, .shuffle = false});

  std::vector<Tensor> expected = single_process([&] {
    auto reference = mlp();
    reference->set_weights(initial);
    compile_sgd(*reference);
    reference->fit(x, y, {.batch_size = n * b, .epochs = 1, .verbose = 0, .shuffle = false});
    return reference->get_weights();
  });
  EXPECT_LT(max_abs_difference(model->get_weights(), expected), 1e-5);
  EXPECT_EQ(model->optimizer()->iterations().item<int64_t>(), steps);
  // And the replicas are bit-identical.
  world_strategy()->check_replicas_identical(model->weights());
}

TEST(DataParallel, CustomTrainStepEqualsOneProcess) {
  const int n = replicas();
  const int64_t b = 4, steps = 4;
  auto [x, y] = data(n * b * steps);
  set_random_seed(8);
  auto model = mlp<CustomStep>();
  compile_sgd(*model);
  std::vector<Tensor> initial = model->get_weights();
  model->fit(x, y, {.batch_size = b, .epochs = 1, .verbose = 0, .shuffle = false});
  std::vector<Tensor> expected = single_process([&] {
    auto reference = mlp<CustomStep>();
    reference->set_weights(initial);
    compile_sgd(*reference);
    reference->fit(x, y, {.batch_size = n * b, .epochs = 1, .verbose = 0, .shuffle = false});
    return reference->get_weights();
  });
  EXPECT_LT(max_abs_difference(model->get_weights(), expected), 1e-5);
}

template <class Norm>
std::shared_ptr<Sequential> small_cnn() {
  return std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      std::make_shared<layers::Conv2D>(
          4, 3, layers::Conv2DOptions{.padding = "same", .layer = {.input_shape = Shape{6, 6, 1}}}),
      std::make_shared<Norm>(), std::make_shared<layers::ReLU>(),
      std::make_shared<layers::Flatten>(), std::make_shared<Dense>(3)});
}

// With SyncBatchNormalization the statistics are the global batch's, so N ranks with batch b
// equal one process with batch N * b, moving statistics included (same tolerance argument as
// above; E[x^2] - E[x]^2 adds a little rounding).
TEST(DataParallel, SyncBatchNormalizationCnnEqualsOneProcess) {
  const int n = replicas();
  const int64_t b = 4, steps = 3;
  Tensor x = random_normal(Shape{n * b * steps, 6, 6, 1}, {.seed = 21});
  Tensor y =
      cast(random_uniform(Shape{n * b * steps}, {.maxval = 3, .dtype = int64, .seed = 22}), int32);
  set_random_seed(13);
  auto model = small_cnn<layers::SyncBatchNormalization>();
  compile_sgd(*model);
  std::vector<Tensor> initial = model->get_weights();
  model->fit(x, y, {.batch_size = b, .epochs = 1, .verbose = 0, .shuffle = false});
  std::vector<Tensor> expected = single_process([&] {
    auto reference = small_cnn<layers::SyncBatchNormalization>();
    reference->set_weights(initial);
    compile_sgd(*reference);
    reference->fit(x, y, {.batch_size = n * b, .epochs = 1, .verbose = 0, .shuffle = false});
    return reference->get_weights();
  });
  EXPECT_LT(max_abs_difference(model->get_weights(), expected), 2e-5);
}

// Plain BatchNormalization keeps each replica's own statistics (as in Keras): the trainable
// weights still agree on every rank.
TEST(DataParallel, BatchNormalizationCnnKeepsTrainableWeightsIdentical) {
  Tensor x = random_normal(Shape{replicas() * 4 * 3, 6, 6, 1}, {.seed = 23});
  Tensor y = cast(
      random_uniform(Shape{replicas() * 4 * 3}, {.maxval = 3, .dtype = int64, .seed = 24}), int32);
  auto model = small_cnn<layers::BatchNormalization>();
  compile_sgd(*model);
  model->fit(x, y, {.batch_size = 4, .epochs = 1, .verbose = 0});
  world_strategy()->check_replicas_identical(model->trainable_weights());
}

// Shuffled data: every rank cuts the same (chief-seeded) order into batches.
TEST(DataParallel, ShuffledFitKeepsReplicasIdentical) {
  auto [x, y] = data(replicas() * 8 * 3);
  auto model = mlp();
  compile_sgd(*model);
  model->fit(x, y, {.batch_size = 8, .epochs = 2, .verbose = 0, .shuffle = true});
  world_strategy()->check_replicas_identical(model->weights());
}

// Uneven shards: 13 batches over N ranks; every rank runs 13 / N steps, none hangs, and the
// epoch logs are the same everywhere.
TEST(DataParallel, UnevenShardsRunEqualStepCounts) {
  const int n = replicas();
  auto [x, y] = data(13 * 4);
  auto model = mlp();
  compile_sgd(*model);
  int64_t batches = 0;
  auto counter = std::make_shared<LambdaCallback>(
      LambdaCallbackOptions{.on_batch_end = [&](int64_t, Logs&) { ++batches; }});
  History h =
      model->fit(x, y, {.batch_size = 4, .epochs = 2, .verbose = 0, .callbacks = {counter}});
  EXPECT_EQ(batches, 2 * (13 / n));
  double loss = h["loss"].back();
  std::vector<int64_t> agreed = world_strategy()->agree_max({int64_t(loss * 1e9)});
  EXPECT_EQ(agreed[0], int64_t(loss * 1e9)) << "epoch logs differ between ranks";
  // One batch for several replicas: the same named error on every rank, not a hang.
  auto [x1, y1] = data(4);
  try {
    model->fit(x1, y1, {.batch_size = 4, .verbose = 0});
    ADD_FAILURE() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("the data makes only 1 batch(es) for " +
                                         std::to_string(n) + " replicas"),
              std::string::npos)
        << e.what();
  }
}

// evaluate counts every sample exactly once on a dataset whose size no rank count divides.
// 103 rows: 13 batches of 8, not divisible by 2, 3 or 4 ranks; 10 rows: 2 batches, so that on 3
// and 4 ranks some replicas' shards are empty (they still build and add their metrics).
TEST(DataParallel, EvaluateEqualsOneProcessExactly) {
  for (int64_t rows : {103, 10}) {
    auto [x, y] = data(rows);
    set_random_seed(6);
    auto model = mlp();
    compile_sgd(*model);
    Logs distributed_logs = model->evaluate(x, y, {.batch_size = 8, .verbose = 0});
    Logs local_logs =
        single_process([&] { return model->evaluate(x, y, {.batch_size = 8, .verbose = 0}); });
    EXPECT_EQ(distributed_logs.at("accuracy"), local_logs.at("accuracy")) << rows << " rows";
    EXPECT_NEAR(distributed_logs.at("loss"), local_logs.at("loss"), 1e-6) << rows << " rows";
    data::Dataset ds = data::Dataset::from_tensor_slices(std::vector<Tensor>{x, y}).batch(8);
    Logs from_dataset = model->evaluate(ds, {.verbose = 0});
    EXPECT_EQ(from_dataset.at("accuracy"), local_logs.at("accuracy")) << rows << " rows";
    EXPECT_NEAR(from_dataset.at("loss"), local_logs.at("loss"), 1e-6) << rows << " rows";
  }
}

// predict shards the batches and gathers them back: every rank holds every prediction, in order,
// the same bits one process computes (each batch is computed the same way wherever it runs).
TEST(DataParallel, PredictReturnsEveryRowInOrderOnEveryRank) {
  set_random_seed(7);
  auto model = mlp();
  for (int64_t rows : {103, 10}) {  // 13 batches; 2 batches (fewer than 3 or 4 ranks)
    auto [x, y] = data(rows);
    Tensor local =
        single_process([&] { return model->predict(x, {.batch_size = 8, .verbose = 0}); });
    Tensor distributed_out = model->predict(x, {.batch_size = 8, .verbose = 0});
    ASSERT_EQ(distributed_out.shape(), local.shape());
    EXPECT_EQ(max_abs_difference({distributed_out}, {local}), 0.0) << rows << " rows";
    data::Dataset ds = data::Dataset::from_tensor_slices(x).batch(8);
    Tensors from_dataset = model->predict(ds, {.verbose = 0});
    EXPECT_EQ(max_abs_difference({from_dataset[0]}, {local}), 0.0) << rows << " rows";
  }
}

// Models that differ across ranks fail with an error naming the difference, on every rank.
TEST(DataParallel, DifferentModelsAreNamed) {
  auto model = mlp(world_strategy()->replica_id() == 1 ? 17 : 16);
  compile_sgd(*model);
  auto [x, y] = data(replicas() * 8);
  try {
    model->fit(x, y, {.batch_size = 8, .verbose = 0});
    ADD_FAILURE() << "fit accepted replicas with different models";
  } catch (const DistributedError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("differ between ranks"), std::string::npos) << message;
    const std::string rank = "[rank " + std::to_string(world_strategy()->replica_id()) + "/" +
                             std::to_string(replicas()) + "] ";
    EXPECT_EQ(message.rfind(rank, 0), 0u) << "errors name their rank first: " << message;
    EXPECT_NE(message.find("rank 1 has"), std::string::npos) << message;
  }
}

// The reduction hangs on the tape: the first bucket's all-reduce starts before backward ends.
class RecordingCommunicator : public comm::Communicator {
 public:
  RecordingCommunicator(std::shared_ptr<comm::Communicator> inner, std::vector<std::string>& log)
      : inner_(std::move(inner)), log_(log) {
    set_options(inner_->options());
  }
  int rank() const override { return inner_->rank(); }
  int size() const override { return inner_->size(); }
  int local_rank() const override { return inner_->local_rank(); }
  int local_size() const override { return inner_->local_size(); }
  std::string backend() const override { return inner_->backend(); }
  std::unique_ptr<comm::Communicator> split(int color, int key) override {
    return inner_->split(color, key);
  }

 protected:
  std::unique_ptr<comm::Work> submit(comm::Collective c) override {
    log_.push_back("submit " + c.name);
    log_.push_back(std::string("wire ") + comm::dtype_name(c.in.dtype) + " " + c.name);
    return forward(*inner_, std::move(c));
  }

 private:
  std::shared_ptr<comm::Communicator> inner_;
  std::vector<std::string>& log_;
};

TEST(DataParallel, FirstBucketStartsBeforeBackwardEnds) {
  std::vector<std::string> log;
  auto recording = std::make_shared<RecordingCommunicator>(comm::make_communicator(), log);
  auto strategy = std::make_shared<DataParallel>(
      recording,
      distributed::DataParallelOptions{.bucket_cap_bytes = 2048, .first_bucket_bytes = 256});
  auto scope = distributed::scope(strategy);
  auto model = mlp(32);
  auto [x, y] = data(8);
  std::vector<Variable> vars = model->trainable_weights();
  GradientTape tape;
  Tensor loss = reduce_mean(square(model->operator()(Tensors{x}, true)[0]));
  GradientOptions options;
  options.on_gradient_ready = [&](const Tensor& source, const std::optional<Tensor>&) {
    log.push_back("ready " + std::to_string(position_of(vars, source)));
  };
  auto grads = tape.gradient(loss, vars, options);
  auto first_bucket = std::find(log.begin(), log.end(), "submit gradients/bucket0[0]");
  auto last_ready = std::find(log.rbegin(), log.rend(), "ready 0");
  ASSERT_NE(first_bucket, log.end()) << "no bucket all-reduce was started";
  ASSERT_NE(last_ready, log.rend());
  EXPECT_LT(first_bucket - log.begin(), log.rend() - last_ready - 1)
      << "the first bucket started only after the last gradient was ready";
  // Applying them averages: identical gradients on every rank come back unchanged.
  auto reduced = strategy->aggregate_gradients(grads, vars);
  EXPECT_LT(max_abs_difference(std::vector<Tensor>{*reduced[0]}, std::vector<Tensor>{*grads[0]}),
            1e-6);
}

// The reducer finds a ready gradient's bucket by the variable the hook names, so sources listed in
// another order than the model's (here reversed) still get each variable's own average, reduced
// during backward.
TEST(DataParallel, GradientsReachTheirVariablesWhateverTheSourcesOrder) {
  const int n = replicas(), r = world_strategy()->replica_id();
  auto strategy = std::make_shared<DataParallel>(
      comm::make_communicator(),
      distributed::DataParallelOptions{.bucket_cap_bytes = 1024, .first_bucket_bytes = 256});
  auto scope = distributed::scope(strategy);
  auto model = mlp(16);
  auto [x, y] = data(4 * n);
  Tensor xr = x[{Slice(4 * r, 4 * r + 4)}];  // each rank's own rows: different gradients
  std::vector<Variable> vars = model->trainable_weights();
  std::reverse(vars.begin(), vars.end());
  GradientTape tape;
  Tensor loss = reduce_mean(square((*model)(Tensors{xr}, true)[0]));
  auto grads = tape.gradient(loss, vars);
  EXPECT_GT(strategy->gradient_stats().buckets_started, 1) << "no bucket started during backward";
  std::vector<Tensor> local;
  for (const auto& g : grads) local.push_back(*g);
  std::vector<Tensor> expected = strategy->all_reduce_sum(local);
  auto reduced = strategy->aggregate_gradients(grads, vars);
  for (size_t i = 0; i < vars.size(); ++i) {
    SCOPED_TRACE(vars[i].name());
    ASSERT_TRUE(reduced[i].has_value());
    EXPECT_LT(max_abs_difference({*reduced[i]}, {expected[i] / double(n)}), 1e-6);
  }
}

// A custom GradientTape loop: nothing but the tape and apply_gradients, on each rank's rows.
TEST(DataParallel, CustomLoopEqualsOneProcess) {
  const int n = replicas(), r = world_strategy()->replica_id();
  const int64_t b = 4, steps = 3;
  auto [x, y] = data(n * b * steps);
  auto loss_fn = losses::SparseCategoricalCrossentropy({.from_logits = true});
  auto train = [&](Model& model, int64_t batch, int64_t offset) {
    auto opt = std::make_shared<optimizers::SGD>(optimizers::SGDOptions{.learning_rate = 0.2});
    for (int64_t s = 0; s < steps; ++s) {
      const int64_t start = s * n * b + offset;
      Tensor xb = x[{Slice(start, start + batch)}], yb = y[{Slice(start, start + batch)}];
      GradientTape tape;
      Tensor loss = loss_fn(yb, model(Tensors{xb}, true)[0]);
      auto vars = model.trainable_weights();
      opt->apply_gradients(tape.gradient(loss, vars), vars);
    }
  };
  set_random_seed(9);
  auto model = mlp();
  std::vector<Tensor> initial = model->get_weights();
  train(*model, b, r * b);
  std::vector<Tensor> expected = single_process([&] {
    auto reference = mlp();
    reference->set_weights(initial);
    train(*reference, n * b, 0);
    return reference->get_weights();
  });
  EXPECT_LT(max_abs_difference(model->get_weights(), expected), 1e-5);
}

// DataParallelOptions::compression sends the gradient buckets in float16 and nothing else: the
// summed metric state stays float32, so evaluate is still exact.
TEST(DataParallel, CompressionAppliesToGradientsOnly) {
  std::vector<std::string> log;
  auto recording = std::make_shared<RecordingCommunicator>(comm::make_communicator(), log);
  auto strategy = std::make_shared<DataParallel>(
      recording, distributed::DataParallelOptions{.compression = comm::ScalarType::kFloat16});
  auto scope = distributed::scope(strategy);
  set_random_seed(9);
  auto model = mlp();
  compile_sgd(*model);
  auto [x, y] = data(64);
  model->fit(x, y, {.batch_size = 8, .verbose = 0});
  auto wired = [&](const std::string& dtype, const std::string& name) {
    return std::any_of(log.begin(), log.end(), [&](const std::string& line) {
      return line.rfind("wire " + dtype + " " + name, 0) == 0;
    });
  };
  EXPECT_TRUE(wired("float16", "gradients/bucket")) << "gradients were not compressed";
  EXPECT_FALSE(wired("float32", "gradients/bucket")) << "a gradient bucket went uncompressed";
  EXPECT_TRUE(wired("float32", "all_reduce_sum")) << "metric state was not summed in float32";
  EXPECT_FALSE(wired("float16", "all_reduce_sum")) << "metric state was compressed";
  auto [ex, ey] = data(103);
  Logs distributed_logs = model->evaluate(ex, ey, {.batch_size = 8, .verbose = 0});
  Logs local_logs =
      single_process([&] { return model->evaluate(ex, ey, {.batch_size = 8, .verbose = 0}); });
  EXPECT_EQ(distributed_logs.at("accuracy"), local_logs.at("accuracy"));
  EXPECT_NEAR(distributed_logs.at("loss"), local_logs.at("loss"), 1e-6);
  // Only float32 (none), float16 and bfloat16 are wire types.
  EXPECT_THROW(DataParallel(recording, {.compression = comm::ScalarType::kInt32}), ValueError);
}

// Batch logs are summed over the replicas only when a callback reads them: without one, fit sums
// the metric state once per epoch (one collective per step less), and the epoch logs are the same
// global values either way.
TEST(DataParallel, BatchLogsAreSummedOnlyWhenACallbackReadsThem) {
  auto [x, y] = data(64);
  auto run = [&](const Callbacks& callbacks, std::vector<std::string>& log) {
    auto recording = std::make_shared<RecordingCommunicator>(comm::make_communicator(), log);
    auto scope = distributed::scope(std::make_shared<DataParallel>(recording));
    set_random_seed(10);
    auto model = mlp();
    compile_sgd(*model);
    History history =
        model->fit(x, y, {.batch_size = 8, .epochs = 2, .verbose = 0, .callbacks = callbacks});
    return history["loss"];
  };
  auto sums = [](const std::vector<std::string>& log) {
    return std::count(log.begin(), log.end(), "submit all_reduce_sum[0]");
  };
  std::vector<std::string> quiet_log, reading_log;
  std::vector<double> batch_losses;
  std::vector<double> quiet = run({}, quiet_log);
  std::vector<double> reading = run(
      {std::make_shared<LambdaCallback>(LambdaCallbackOptions{
          .on_batch_end = [&](int64_t, Logs& logs) { batch_losses.push_back(logs.at("loss")); }})},
      reading_log);
  const int64_t steps = 8 / replicas();  // 8 batches of 8 rows, dealt round-robin
  // Besides the metric sums, fit sums once how many batches the step agreement drops.
  EXPECT_EQ(sums(quiet_log), 1 + 2) << "one metric sum per epoch";
  EXPECT_EQ(sums(reading_log), 1 + 2 * steps) << "one metric sum per step";
  EXPECT_EQ(quiet, reading) << "the epoch logs must be the same global values";
  // The batch logs the callback read are global: the same on every replica.
  ASSERT_EQ(batch_losses.size(), size_t(2 * steps));
  Tensor mine = constant(batch_losses, Shape{int64_t(batch_losses.size())});
  Tensor all = world_strategy()->all_gather(mine);
  std::vector<double> every = all.to_vector<double>();
  for (size_t i = 0; i < every.size(); ++i)
    EXPECT_EQ(every[i], batch_losses[i % batch_losses.size()])
        << "replica " << i / batch_losses.size();
}

// A folder every rank names the same way (the chief's random number), removed by the chief.
class SharedTempDir {
 public:
  SharedTempDir() {
    uint64_t id = world_strategy()->shared_seed(std::random_device{}());
    path_ = (std::filesystem::temp_directory_path() / ("tandem_dp_" + std::to_string(id))).string();
  }
  ~SharedTempDir() {
    world_strategy()->barrier();
    std::error_code ec;
    if (world_strategy()->is_chief()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A TFRecord dataset of 5 files is sharded by file (AutoShardPolicy AUTO, at least as many files
// as ranks): each rank evaluates whole files, and the summed metrics count every row once.
TEST(DataParallel, EvaluateShardedByFileEqualsOneProcess) {
  auto [x, y] = data(53);
  SharedTempDir dir;
  std::vector<std::string> files;
  for (int f = 0; f < 5; ++f)
    files.push_back(dir.path() + "/rows" + std::to_string(f) + ".tfrecord");
  if (world_strategy()->is_chief()) {
    std::filesystem::create_directories(dir.path());
    for (int f = 0; f < 5; ++f) {
      io::TFRecordWriter writer(files[size_t(f)]);
      for (int64_t row = f; row < 53; row += 5) writer.write(std::to_string(row));
      writer.close();
    }
  }
  world_strategy()->barrier();
  auto rows_of = [&, x = x, y = y](const data::Dataset& records) {
    return records
        .map([x, y](const data::Element& e) {
          int64_t row = std::stoll(e[0].item<std::string>());
          return data::Element{x[{row}], y[{row}]};
        })
        .batch(4);
  };
  set_random_seed(8);
  auto model = mlp();
  compile_sgd(*model);
  Logs distributed_logs = model->evaluate(rows_of(data::TFRecordDataset(files)), {.verbose = 0});
  Logs local_logs = single_process(
      [&] { return model->evaluate(rows_of(data::TFRecordDataset(files)), {.verbose = 0}); });
  EXPECT_EQ(distributed_logs.at("accuracy"), local_logs.at("accuracy"));
  EXPECT_NEAR(distributed_logs.at("loss"), local_logs.at("loss"), 1e-6);
  // FILE on more ranks than files is the named error, on every rank.
  data::Dataset one_file = data::TFRecordDataset(files[0]).with_options(
      {.experimental_distribute = {.auto_shard_policy = data::AutoShardPolicy::kFile}});
  try {
    model->evaluate(rows_of(one_file), {.verbose = 0});
    ADD_FAILURE() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("AutoShardPolicy FILE needs at least as many files as "
                                         "replicas, but the dataset reads 1 file(s)"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("[rank " + std::to_string(world_strategy()->replica_id())),
              std::string::npos)
        << e.what();
  }
}

struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

// A job killed mid-epoch and started again ends with the uninterrupted job's weights, bit for bit.
TEST(DataParallel, BackupAndRestoreResumesExactly) {
  auto [x, y] = data(replicas() * 8 * 5);
  auto fresh = [] {
    set_random_seed(31);
    auto model = mlp();
    compile_sgd(*model);
    return model;
  };
  FitOptions options{.batch_size = 8, .epochs = 3, .verbose = 0};
  auto reference = fresh();
  reference->fit(x, y, options);

  SharedTempDir dir;
  auto first = fresh();
  int epochs_done = 0;
  FitOptions interrupted = options;
  interrupted.callbacks = {std::make_shared<BackupAndRestore>(dir.path()),
                           std::make_shared<LambdaCallback>(LambdaCallbackOptions{
                               .on_epoch_end = [&](int, Logs&) { ++epochs_done; },
                               .on_batch_end =
                                   [&](int64_t batch, Logs&) {
                                     if (epochs_done == 2 && batch == 2) throw Interrupted();
                                   }})};
  EXPECT_THROW(first->fit(x, y, interrupted), Interrupted);
  auto second = fresh();
  FitOptions resumed = options;
  resumed.callbacks = {std::make_shared<BackupAndRestore>(dir.path())};
  History h = second->fit(x, y, resumed);
  EXPECT_EQ(h.epoch().front(), 2);
  EXPECT_EQ(max_abs_difference(second->get_weights(), reference->get_weights()), 0.0);
}

// Another model's backup: the chief says what is wrong, the other ranks that the chief failed.
TEST(DataParallel, AnotherModelsBackupFailsOnEveryRank) {
  SharedTempDir dir;
  auto [x, y] = data(replicas() * 8);
  auto small = mlp(8);
  compile_sgd(*small);
  FitOptions first{.batch_size = 8, .epochs = 2, .verbose = 0};
  first.callbacks = {std::make_shared<BackupAndRestore>(dir.path()),
                     std::make_shared<LambdaCallback>(LambdaCallbackOptions{
                         .on_epoch_end = [](int, Logs&) { throw Interrupted(); }})};
  EXPECT_THROW(small->fit(x, y, first), Interrupted);
  auto big = mlp(16);
  compile_sgd(*big);
  FitOptions second{.batch_size = 8, .verbose = 0};
  second.callbacks = {std::make_shared<BackupAndRestore>(dir.path())};
  try {
    big->fit(x, y, second);
    ADD_FAILURE() << "another model's backup was restored";
  } catch (const Error& e) {
    std::string message = e.what();
    const char* expected =
        world_strategy()->is_chief() ? "backup of another model" : "could not restore";
    EXPECT_NE(message.find(expected), std::string::npos) << message;
  }
}

// Dropout masks differ between ranks (else N replicas would drop the same units).
TEST(DataParallel, DropoutDiffersPerReplica) {
  set_random_seed(4);
  Tensor kept = dropout(ones(Shape{1, 256}), 0.5);
  Tensor all = world_strategy()->all_gather(kept);
  EXPECT_GT(max_abs_difference(std::vector<Tensor>{all[0]}, std::vector<Tensor>{all[1]}), 0.0);
}

// ---- gradient accumulation (optimizer option gradient_accumulation_steps = k) ----

std::shared_ptr<optimizers::SGD> accumulating_sgd(std::optional<int64_t> k) {
  return std::make_shared<optimizers::SGD>(optimizers::SGDOptions{
      .learning_rate = 0.1, .momentum = 0.9, .gradient_accumulation_steps = k});
}

void compile_with(Model& model, std::shared_ptr<optimizers::Optimizer> optimizer) {
  model.compile({.optimizer = std::move(optimizer),
                 .loss = std::make_shared<losses::SparseCategoricalCrossentropy>(
                     losses::SparseCategoricalCrossentropyOptions{.from_logits = true})});
}

size_t count_prefix(const std::vector<std::string>& log, size_t from, size_t to,
                    const std::string& prefix) {
  size_t n = 0;
  for (size_t i = from; i < to; ++i) n += log[i].rfind(prefix, 0) == 0;
  return n;
}

// N ranks accumulating k steps of batch b update like one process with batch N * k * b: each
// update averages N * k batch-means of b rows. Same tolerance argument as above (6 momentum
// updates here too).
TEST(DataParallel, GradientAccumulationEqualsOneProcessWithTheGlobalBatch) {
  const int n = replicas();
  const int64_t b = 2, k = 3, updates = 6;
  auto [x, y] = data(n * b * k * updates);
  std::vector<std::string> log;
  auto recording = std::make_shared<RecordingCommunicator>(comm::make_communicator(), log);
  auto strategy = std::make_shared<DataParallel>(
      recording,
      distributed::DataParallelOptions{.bucket_cap_bytes = 2048, .first_bucket_bytes = 256});
  std::vector<Tensor> initial, got;
  {
    auto scope = distributed::scope(strategy);
    set_random_seed(5);
    auto model = mlp();
    compile_with(*model, accumulating_sgd(k));
    initial = model->get_weights();
    model->fit(x, y, {.batch_size = b, .epochs = 1, .verbose = 0, .shuffle = false});
    got = model->get_weights();
    EXPECT_EQ(model->optimizer()->iterations().item<int64_t>(), updates);
    strategy->check_replicas_identical(model->weights());
  }
  // The k - 1 accumulation steps all-reduce no gradients: the first bucket goes out once per
  // update, and nothing is left to reduce after backward (the accumulated sum rode in the
  // buckets).
  EXPECT_EQ(count_prefix(log, 0, log.size(), "submit gradients/bucket0["), size_t(updates));
  EXPECT_EQ(count_prefix(log, 0, log.size(), "submit gradients/rest"), 0u);

  std::vector<Tensor> expected = single_process([&] {
    auto reference = mlp();
    reference->set_weights(initial);
    compile_with(*reference, accumulating_sgd(std::nullopt));
    reference->fit(x, y, {.batch_size = n * k * b, .epochs = 1, .verbose = 0, .shuffle = false});
    return reference->get_weights();
  });
  EXPECT_LT(max_abs_difference(got, expected), 1e-5);
  EXPECT_GT(max_abs_difference(got, initial), 1e-2);  // it did train
}

// A custom loop: accumulation steps start no collective at all; the update step's buckets start
// during backward; syncing the accumulators mid-cycle (what a save does) changes nothing.
TEST(DataParallel, GradientAccumulationCustomLoopCommunicatesOnlyOnUpdates) {
  const int n = replicas(), r = world_strategy()->replica_id();
  const int64_t b = 2, k = 3, steps = 6;
  auto [x, y] = data(n * b * steps);
  auto loss_fn = losses::SparseCategoricalCrossentropy({.from_logits = true});
  std::vector<std::string> log;
  auto recording = std::make_shared<RecordingCommunicator>(comm::make_communicator(), log);
  auto strategy = std::make_shared<DataParallel>(
      recording,
      distributed::DataParallelOptions{.bucket_cap_bytes = 2048, .first_bucket_bytes = 256});
  set_random_seed(9);
  auto model = mlp(32);
  std::vector<Tensor> initial = model->get_weights();
  {
    auto scope = distributed::scope(strategy);
    auto opt = accumulating_sgd(k);
    opt->build(model->trainable_weights());  // the strategy learns the cycle before step 1
    for (int64_t s = 0; s < steps; ++s) {
      SCOPED_TRACE("step " + std::to_string(s));
      const int64_t start = s * n * b + r * b;
      Tensor xb = x[{Slice(start, start + b)}], yb = y[{Slice(start, start + b)}];
      const size_t before = log.size();
      GradientTape tape;
      Tensor loss = loss_fn(yb, (*model)(Tensors{xb}, true)[0]);
      auto vars = model->trainable_weights();
      GradientOptions options;
      options.on_gradient_ready = [&](const Tensor& source, const std::optional<Tensor>&) {
        log.push_back("ready " + std::to_string(position_of(vars, source)));
      };
      auto grads = tape.gradient(loss, vars, options);
      const size_t backward_end = log.size();
      opt->apply_gradients(grads, vars);
      const bool update = (s + 1) % k == 0;
      if (!update) {
        // Nothing but the one-time check of a new set of variables (step 0) goes out.
        size_t checks = count_prefix(log, before, log.size(), "submit check_same:") +
                        count_prefix(log, before, log.size(), "submit replica_fingerprints");
        EXPECT_EQ(count_prefix(log, before, log.size(), "submit"), checks);
        if (s > 0) {
          EXPECT_EQ(checks, 0u);
        }
      } else {
        // The first bucket starts before the last gradient is ready; nothing after backward.
        auto first =
            std::find(log.begin() + long(before), log.end(), "submit gradients/bucket0[0]");
        ASSERT_NE(first, log.end());
        EXPECT_LT(size_t(first - log.begin()), backward_end - 1);
        EXPECT_EQ(count_prefix(log, backward_end, log.size(), "submit"), 0u);
      }
      if (s == 1) {
        // Mid-cycle the accumulators differ per rank; synced, they are equal everywhere and the
        // cycle's update is unchanged (the average of the partial sums stands in for them).
        strategy->sync_gradient_accumulators(opt->variables());
        std::vector<Variable> accumulators;
        for (const Variable& v : vars) accumulators.push_back(opt->gradient_accumulator(v));
        strategy->check_replicas_identical(accumulators);
      }
    }
    EXPECT_EQ(opt->iterations().item<int64_t>(), steps / k);
  }
  std::vector<Tensor> expected = single_process([&] {
    auto reference = mlp(32);
    reference->set_weights(initial);
    auto opt = accumulating_sgd(std::nullopt);
    for (int64_t u = 0; u < steps / k; ++u) {
      const int64_t start = u * n * k * b;
      Tensor xb = x[{Slice(start, start + n * k * b)}], yb = y[{Slice(start, start + n * k * b)}];
      GradientTape tape;
      Tensor loss = loss_fn(yb, (*reference)(Tensors{xb}, true)[0]);
      auto vars = reference->trainable_weights();
      opt->apply_gradients(tape.gradient(loss, vars), vars);
    }
    return reference->get_weights();
  });
  EXPECT_LT(max_abs_difference(model->get_weights(), expected), 1e-5);
}

// TensorBoard output under data parallelism: one set of event files (the chief's), whichever way
// it is written, with the global (all-reduced) epoch loss.
TEST(DataParallel, OnlyTheChiefWritesTensorBoardFiles) {
  // Rank 0's process id names a fresh folder every rank agrees on.
  Tensor pid = Tensor::from_vector(std::vector<int64_t>{static_cast<int64_t>(getpid())}, Shape{1});
  std::string name = "tandem_dp_tensorboard_";
  name += std::to_string(world_strategy()->all_gather(pid).to_vector<int64_t>()[0]);
  std::filesystem::path dir = std::filesystem::current_path() / name;
  auto model = mlp();
  compile_sgd(*model);
  auto [x, y] = data(replicas() * 16);
  auto tensorboard = std::make_shared<TensorBoard>((dir / "fit").string(),
                                                   TensorBoardOptions{.update_freq = "batch"});
  History history = model->fit(x, y,
                               {.batch_size = 8,
                                .epochs = 2,
                                .verbose = 0,
                                .callbacks = {tensorboard},
                                .validation_data = ValidationData(x, y)});
  auto writer = summary::create_file_writer((dir / "custom").string());
  {
    auto scope = writer->as_default(0);
    EXPECT_EQ(summary::scalar("loss", 1.0), world_strategy()->is_chief());
  }
  writer->close();
  world_strategy()->barrier();
  for (const char* folder : {"fit/train", "fit/validation", "custom"}) {
    size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir / folder)) {
      files += entry.path().filename().string().find("tfevents") != std::string::npos;
    }
    EXPECT_EQ(files, 1u) << folder;
  }
  // The chief logged the global loss that every rank's History holds.
  std::string train_file;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "fit" / "train")) {
    train_file = entry.path().string();
  }
  io::TFRecordReader reader(train_file);
  std::vector<float> epoch_loss;
  while (auto record = reader.next()) {
    proto::Event event;
    ASSERT_TRUE(event.ParseFromString(*record));
    for (const auto& value : event.summary().value()) {
      if (value.tag() != "epoch_loss") continue;
      float loss;
      std::memcpy(&loss, value.tensor().tensor_content().data(), sizeof loss);
      epoch_loss.push_back(loss);
    }
  }
  ASSERT_EQ(epoch_loss.size(), 2u);
  EXPECT_FLOAT_EQ(epoch_loss[1], static_cast<float>(history["loss"][1]));
  world_strategy()->barrier();
  if (world_strategy()->is_chief()) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tandem

int main(int argc, char** argv) {
  tandem::distributed::init();
  return tandem::comm::testing::run_all_tests_on_every_rank(argc, argv);
}
