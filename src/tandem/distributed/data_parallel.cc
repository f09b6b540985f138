#include "tandem/distributed/data_parallel.h"

#include <cstring>
#include <sstream>

#include "tandem/autodiff/gradient_tape.h"
#include "tandem/core/error.h"
#include "tandem/distributed/comm_buffer.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/op_utils.h"
#include "tandem/ops/random.h"
#include "tandem/ops/shape_ops.h"

namespace tandem::distributed {

namespace {

comm::Buffer host_buffer(void* data, size_t count, comm::ScalarType dtype) {
  return {.data = data, .count = count, .dtype = dtype, .device = -1};
}

// "dense/kernel float32 [784, 256]", one line per variable.
std::vector<std::string> describe(const std::vector<Variable>& variables) {
  std::vector<std::string> out;
  for (const Variable& v : variables)
    out.push_back(v.name() + " " + dtype_name(v.dtype()) + " " + v.shape().to_list_string());
  return out;
}

std::string lines(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += s + "\n";
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// FNV-1a over the bytes of a tensor's values (on the host).
uint64_t fingerprint(const Tensor& t) {
  Tensor host = t.cpu();
  const auto* p = static_cast<const unsigned char*>(host.raw_data());
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < host.nbytes(); ++i) h = (h ^ p[i]) * 1099511628211ULL;
  return h;
}

// One flat tensor per dtype and device holding `values` one after the other; `group[i]` is the
// flat that values[i] went into.
struct Packed {
  std::vector<MutableTensor> flats;
  std::vector<size_t> group;
  std::vector<int64_t> offset;
};
Packed pack_by_dtype(const std::vector<Tensor>& values) {
  autodiff::PauseAllTapes no_recording;
  Packed p;
  std::vector<std::pair<DType, Device>> keys;
  std::vector<std::vector<Tensor>> parts;
  std::vector<int64_t> sizes;
  for (const Tensor& v : values) {
    auto key = std::make_pair(v.dtype(), v.device());
    size_t g = 0;
    while (g < keys.size() && keys[g] != key) ++g;
    if (g == keys.size()) keys.push_back(key), parts.emplace_back(), sizes.push_back(0);
    p.group.push_back(g);
    p.offset.push_back(sizes[g]);
    sizes[g] += v.num_elements();
    parts[g].push_back(reshape(v, Shape{-1}));
  }
  // concat always makes a fresh tensor, which the collectives may then write into.
  for (auto& part : parts) p.flats.push_back(MutableTensor::take_unshared(concat(part, 0)));
  return p;
}

std::vector<Tensor> unpack_by_dtype(Packed&& p, const std::vector<Tensor>& like) {
  autodiff::PauseAllTapes no_recording;
  std::vector<Tensor> flats;
  for (MutableTensor& flat : p.flats) flats.push_back(std::move(flat).freeze());
  std::vector<Tensor> out;
  for (size_t i = 0; i < like.size(); ++i) {
    const int64_t n = like[i].num_elements();
    out.push_back(
        reshape(flats[p.group[i]][{Slice(p.offset[i], p.offset[i] + n)}], like[i].shape()));
  }
  return out;
}

std::shared_ptr<comm::Communicator> non_null(std::shared_ptr<comm::Communicator> comm) {
  TANDEM_CHECK(comm != nullptr, ValueError, "DataParallel needs a communicator, received null");
  return comm;
}

std::optional<comm::ScalarType> checked_compression(std::optional<comm::ScalarType> compression) {
  TANDEM_CHECK(!compression || *compression == comm::ScalarType::kFloat32 ||
                   *compression == comm::ScalarType::kFloat16 ||
                   *compression == comm::ScalarType::kBFloat16,
               ValueError,
               "DataParallelOptions::compression must be float32 (none), float16 or bfloat16, "
               "received ",
               comm::dtype_name(*compression));
  return compression;
}

}  // namespace

DataParallel::DataParallel(std::shared_ptr<comm::Communicator> communicator,
                           DataParallelOptions options)
    : comm_(non_null(std::move(communicator))),
      options_(options),
      reducer_(*comm_, options.first_bucket_bytes, options.bucket_cap_bytes,
               checked_compression(options.compression)) {
  // Every error this process raises from now on says which rank it comes from.
  set_error_prefix("[rank " + std::to_string(comm_->rank()) + "/" + std::to_string(comm_->size()) +
                   "] ");
  // Unseeded random ops (weight initializers, shuffles) then draw the same numbers on every rank,
  // so a model built after this point starts identical everywhere; ops that must differ per rank
  // (dropout) mix in the replica id (ops/random.h).
  RandomGeneratorState state = get_random_generator_state();
  uint64_t words[2] = {state.seed, state.next_stream};
  comm_->broadcast(host_buffer(words, 2, comm::ScalarType::kInt64), 0, "random_generator_state");
  set_random_generator_state({.seed = words[0], .next_stream = words[1]});
  set_random_replica(comm_->rank());
}

void DataParallel::broadcast_variables(const std::vector<Variable>& variables) {
  check_same_everywhere(lines(describe(variables)), "the variables to broadcast");
  // Gradient accumulators hold each replica's own partial sum: they are averaged, not copied.
  std::vector<Variable> copied, accumulators;
  for (const Variable& v : variables)
    (reducer_.is_accumulator(v) ? accumulators : copied).push_back(v);
  sync_gradient_accumulators(accumulators);
  if (copied.empty()) return;
  std::vector<Tensor> values;
  for (const Variable& v : copied) values.push_back(v.value());
  Packed packed = pack_by_dtype(values);
  for (size_t g = 0; g < packed.flats.size(); ++g)
    comm_->broadcast(buffer_of(packed.flats[g]), 0, "broadcast_variables");
  if (is_chief()) return;
  std::vector<Tensor> received = unpack_by_dtype(std::move(packed), values);
  for (size_t i = 0; i < copied.size(); ++i) {
    Variable v = copied[i];
    v.assign(received[i]);
  }
}

void DataParallel::register_gradient_accumulation(const std::vector<Variable>& variables,
                                                  const std::vector<Variable>& accumulators,
                                                  const Variable& iterations, int64_t steps) {
  reducer_.register_accumulation(variables, accumulators, iterations, steps);
}

void DataParallel::unregister_gradient_accumulation(const std::vector<Variable>& variables) {
  reducer_.unregister_accumulation(variables);
}

std::vector<std::optional<Tensor>> DataParallel::aggregate_accumulated_gradients(
    const std::vector<std::optional<Tensor>>& gradients, const std::vector<Variable>& variables,
    const std::vector<Variable>& accumulators) {
  std::vector<std::optional<Tensor>> reduced =
      reducer_.reduce_accumulated(gradients, variables, accumulators);
  count_step(variables);
  return reduced;
}

void DataParallel::sync_gradient_accumulators(const std::vector<Variable>& variables) {
  std::vector<Variable> accumulators;
  for (const Variable& v : variables)
    if (reducer_.is_accumulator(v)) accumulators.push_back(v);
  // Every rank registers the same accumulators (the same optimizer calls), so every rank takes
  // the same branches here.
  if (accumulators.empty()) return;
  std::vector<Tensor> values;
  for (const Variable& v : accumulators) values.push_back(v.value());
  // Already identical (zeros after an update, or all loaded from one file): leave them bit-exact.
  if (identical_everywhere(values)) return;
  Packed packed = pack_by_dtype(values);
  std::vector<comm::Buffer> buffers;
  for (MutableTensor& flat : packed.flats) buffers.push_back(buffer_of(flat));
  comm_->all_reduce_many(buffers, comm::ReduceOp::kAvg, "sync_gradient_accumulators",
                         comm::ScalarType::kFloat32);
  std::vector<Tensor> averaged = unpack_by_dtype(std::move(packed), values);
  for (size_t i = 0; i < accumulators.size(); ++i) {
    Variable v = accumulators[i];
    v.assign(averaged[i]);
  }
}

uint64_t DataParallel::shared_seed(uint64_t seed) {
  comm_->broadcast(host_buffer(&seed, 1, comm::ScalarType::kInt64), 0, "shared_seed");
  return seed;
}

void DataParallel::on_backward_begin(const std::vector<Tensor>& sources) {
  if (!reducer_.begin(sources)) return;
  // A new set of variables: before its first all-reduce, every rank must plan the same buckets and
  // hold the same values (a model built before distributed::init() from different random numbers
  // would otherwise average gradients taken at different points).
  check_same_everywhere(reducer_.plan_signature(), "the trainable variables being differentiated");
  std::vector<std::string> names;
  for (size_t i = 0; i < reducer_.planned().size(); ++i)
    names.push_back("trainable variable #" + std::to_string(i));
  check_identical(reducer_.planned(), names,
                  "at the first gradient step. Build the model after distributed::init() "
                  "(unseeded initializers then agree), or call "
                  "get_strategy().broadcast_variables(model.variables()) before training");
}

void DataParallel::on_gradient_ready(const Tensor& source, const std::optional<Tensor>& gradient) {
  reducer_.ready(source.id(), gradient);
}

std::vector<std::optional<Tensor>> DataParallel::aggregate_gradients(
    const std::vector<std::optional<Tensor>>& gradients, const std::vector<Variable>& variables) {
  std::vector<std::optional<Tensor>> reduced = reducer_.reduce(gradients, variables);
  count_step(variables);
  return reduced;
}

void DataParallel::count_step(const std::vector<Variable>& variables) {
  ++steps_;
  if (options_.replica_check_every > 0 && steps_ % options_.replica_check_every == 0)
    check_replicas_identical(variables);
}

std::vector<Tensor> DataParallel::all_reduce_sum(const std::vector<Tensor>& values) {
  if (values.empty()) return {};
  Packed packed = pack_by_dtype(values);
  std::vector<comm::Buffer> buffers;
  for (MutableTensor& flat : packed.flats) buffers.push_back(buffer_of(flat));
  // Exact whatever the gradients' compression: metric totals and counts must not be rounded.
  comm_->all_reduce_many(buffers, comm::ReduceOp::kSum, "all_reduce_sum",
                         comm::ScalarType::kFloat32);
  return unpack_by_dtype(std::move(packed), values);
}

int64_t DataParallel::agree_min(int64_t value) {
  comm_->all_reduce(host_buffer(&value, 1, comm::ScalarType::kInt64),
                    host_buffer(&value, 1, comm::ScalarType::kInt64), comm::ReduceOp::kMin,
                    "agree_min");
  return value;
}

std::vector<int64_t> DataParallel::agree_max(std::vector<int64_t> values) {
  comm::Buffer buffer = host_buffer(values.data(), values.size(), comm::ScalarType::kInt64);
  comm_->all_reduce(buffer, buffer, comm::ReduceOp::kMax, "agree_max");
  return values;
}

Tensor DataParallel::all_gather(const Tensor& value) {
  TANDEM_CHECK(value.rank() >= 1, ValueError,
               "all_gather needs a tensor with a first dimension, received a scalar");
  std::vector<int64_t> inner = value.shape().as_list();
  inner.erase(inner.begin());
  check_same_everywhere(std::string(dtype_name(value.dtype())) + " " + Shape(inner).to_string(),
                        "all_gather's element shape and dtype");
  int64_t rows = value.shape()[0];
  std::vector<int64_t> all_rows(size_t(comm_->size()));
  comm_->all_gather(host_buffer(&rows, 1, comm::ScalarType::kInt64),
                    host_buffer(all_rows.data(), all_rows.size(), comm::ScalarType::kInt64),
                    "all_gather_rows");
  const int64_t row_elements = Shape(inner).num_elements();
  std::vector<size_t> counts;
  int64_t total = 0;
  for (int64_t r : all_rows) counts.push_back(size_t(r * row_elements)), total += r;
  std::vector<int64_t> dims = inner;
  dims.insert(dims.begin(), total);
  MutableTensor out = MutableTensor::empty(Shape(dims), value.dtype(), value.device());
  comm_->all_gather_v(input_buffer_of(value), buffer_of(out), counts, "all_gather");
  return std::move(out).freeze();
}

void DataParallel::barrier() { comm_->barrier("strategy_barrier"); }

void DataParallel::check_replicas_identical(const std::vector<Variable>& variables) {
  std::vector<Tensor> values;
  std::vector<std::string> names;
  for (const Variable& v : variables) values.push_back(v.value()), names.push_back(v.name());
  check_identical(values, names, "after " + std::to_string(steps_) + " steps");
}

bool DataParallel::identical_everywhere(const std::vector<Tensor>& values) {
  std::vector<uint64_t> prints;
  for (const Tensor& t : values) prints.push_back(fingerprint(t));
  std::vector<uint64_t> all(prints.size() * size_t(comm_->size()));
  comm_->all_gather(host_buffer(prints.data(), prints.size(), comm::ScalarType::kInt64),
                    host_buffer(all.data(), all.size(), comm::ScalarType::kInt64),
                    "accumulator_fingerprints");
  for (size_t j = prints.size(); j < all.size(); ++j)
    if (all[j] != all[j % prints.size()]) return false;
  return true;
}

void DataParallel::check_identical(const std::vector<Tensor>& values,
                                   const std::vector<std::string>& names, const std::string& when) {
  std::vector<uint64_t> prints;
  for (const Tensor& t : values) prints.push_back(fingerprint(t));
  std::vector<uint64_t> all(prints.size() * size_t(comm_->size()));
  comm_->all_gather(host_buffer(prints.data(), prints.size(), comm::ScalarType::kInt64),
                    host_buffer(all.data(), all.size(), comm::ScalarType::kInt64),
                    "replica_fingerprints");
  std::string differing;
  for (int r = 1; r < comm_->size(); ++r) {
    for (size_t i = 0; i < prints.size(); ++i) {
      if (all[size_t(r) * prints.size() + i] == all[i]) continue;
      differing += (differing.empty() ? "" : "; ") + std::string("rank ") + std::to_string(r) +
                   " differs from rank 0 in '" + names[i] + "'";
      break;
    }
  }
  TANDEM_CHECK(differing.empty(), DistributedError, "the replicas' variables are not identical ",
               when, ": ", differing);
}

void DataParallel::check_same_everywhere(const std::string& description, const std::string& what) {
  int64_t length = int64_t(description.size());
  std::vector<int64_t> lengths(size_t(comm_->size()));
  comm_->all_gather(host_buffer(&length, 1, comm::ScalarType::kInt64),
                    host_buffer(lengths.data(), lengths.size(), comm::ScalarType::kInt64),
                    "check_same:" + what);
  std::vector<size_t> counts;
  size_t total = 0;
  for (int64_t n : lengths) counts.push_back(size_t(n)), total += size_t(n);
  std::string all(total, '\0');
  std::string mine = description;
  comm_->all_gather_v(host_buffer(mine.data(), mine.size(), comm::ScalarType::kUInt8),
                      host_buffer(all.data(), all.size(), comm::ScalarType::kUInt8), counts,
                      "check_same:" + what);
  std::vector<std::string> per_rank;
  size_t at = 0;
  for (size_t n : counts) per_rank.push_back(all.substr(at, n)), at += n;
  for (int r = 1; r < comm_->size(); ++r) {
    if (per_rank[size_t(r)] == per_rank[0]) continue;
    std::vector<std::string> a = split_lines(per_rank[0]), b = split_lines(per_rank[size_t(r)]);
    size_t i = 0;
    while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
    std::string first = i < a.size() ? a[i] : "(nothing)";
    std::string other = i < b.size() ? b[i] : "(nothing)";
    throw DistributedError(what + " differ between ranks: at item " + std::to_string(i) +
                           " rank 0 has '" + first + "' but rank " + std::to_string(r) + " has '" +
                           other + "' (rank 0 has " + std::to_string(a.size()) + " items, rank " +
                           std::to_string(r) + " has " + std::to_string(b.size()) + ")");
  }
}

}  // namespace tandem::distributed
