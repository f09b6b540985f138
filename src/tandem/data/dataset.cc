#include "tandem/data/dataset.h"

#include "kernels/cpu/threads.h"
#include "tandem/data/ops/nodes.h"
#include "tandem/ops/random.h"

namespace tandem::data {

namespace detail {

namespace {
// Error messages already carry the rank prefix; keep it from doubling when re-wrapping.
std::string strip_prefix(const std::string& message) {
  const std::string& prefix = error_prefix();
  if (!prefix.empty() && message.rfind(prefix, 0) == 0) return message.substr(prefix.size());
  return message;
}
}  // namespace

void rethrow_with_context(std::exception_ptr error, const std::string& context) {
  try {
    std::rethrow_exception(error);
  } catch (const ValueError& e) {
    throw ValueError(context + ": " + strip_prefix(e.what()));
  } catch (const TypeError& e) {
    throw TypeError(context + ": " + strip_prefix(e.what()));
  } catch (const ShapeError& e) {
    throw ShapeError(context + ": " + strip_prefix(e.what()));
  } catch (const IOError& e) {
    throw IOError(context + ": " + strip_prefix(e.what()));
  } catch (const DistributedError& e) {
    throw DistributedError(context + ": " + strip_prefix(e.what()));
  } catch (const std::exception& e) {
    throw Error(context + ": " + strip_prefix(e.what()));
  } catch (...) {
    throw Error(context + ": unknown exception");
  }
}

uint64_t mix_seed(uint64_t a, uint64_t b) {
  uint64_t z = a + 0x9e3779b97f4a7c15ULL * (b + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The pipeline's threads come out of the same per-rank budget as the kernels' (OpenMP, OpenBLAS),
// not the whole machine: with 4 ranks on 8 cores an AUTOTUNE map runs 2 workers per rank.
int64_t autotune_threads() { return kernels::cpu::thread_budget().threads; }

}  // namespace detail

using detail::NodePtr;

NodePtr DatasetNode::with_input(NodePtr) const {
  throw ValueError("internal: with_input on a dataset node without an input");
}

NodePtr DatasetNode::with_source_files(std::vector<std::string>) const {
  throw ValueError("internal: with_source_files on a dataset node that reads no files");
}

Dataset::Dataset(std::shared_ptr<const DatasetNode> node)
    : node_(std::move(node)), epoch_(std::make_shared<std::atomic<uint64_t>>(0)) {
  TANDEM_CHECK(node_ != nullptr, ValueError, "Dataset: null node");
}

// ---- Sources ----

Dataset Dataset::from_tensor_slices(const Tensor& tensor) {
  return Dataset(detail::make_tensor_slices_node({tensor}, {}));
}

Dataset Dataset::from_tensor_slices(const std::vector<Tensor>& tensors) {
  return Dataset(detail::make_tensor_slices_node(tensors, {}));
}

Dataset Dataset::from_tensor_slices(const std::vector<std::pair<std::string, Tensor>>& tensors) {
  std::vector<std::string> names;
  std::vector<Tensor> values;
  for (const auto& [name, t] : tensors) {
    names.push_back(name);
    values.push_back(t);
  }
  TANDEM_CHECK(!names.empty(), ValueError, "from_tensor_slices: expected at least one tensor");
  Element::named(names, values);  // validates unique names
  return Dataset(detail::make_tensor_slices_node(std::move(values), std::move(names)));
}

Dataset Dataset::from_tensors(const Element& element) {
  return Dataset(detail::make_tensors_node(element));
}

Dataset Dataset::range(int64_t stop) { return range(0, stop, 1); }

Dataset Dataset::range(int64_t start, int64_t stop, int64_t step) {
  return Dataset(detail::make_range_node(start, stop, step));
}

Dataset Dataset::from_generator(Generator generator) {
  TANDEM_CHECK(generator != nullptr, ValueError, "from_generator: the generator is empty");
  auto shared = std::make_shared<Generator>(std::move(generator));
  // Every iteration calls the same generator object, so its state carries over between epochs.
  return Dataset(detail::make_generator_node(
      [shared]() -> Generator { return [shared] { return (*shared)(); }; }));
}

Dataset Dataset::from_generator_factory(GeneratorFactory factory) {
  TANDEM_CHECK(factory != nullptr, ValueError, "from_generator_factory: the factory is empty");
  return Dataset(detail::make_generator_node(std::move(factory)));
}

Dataset Dataset::zip(const std::vector<Dataset>& datasets) {
  TANDEM_CHECK(!datasets.empty(), ValueError, "zip: expected at least one dataset");
  std::vector<NodePtr> nodes;
  for (const Dataset& d : datasets) nodes.push_back(d.node_);
  return Dataset(detail::make_zip_node(std::move(nodes)));
}

Dataset Dataset::list_files(const std::string& pattern, bool shuffle,
                            std::optional<uint64_t> seed) {
  return list_files(std::vector<std::string>{pattern}, shuffle, seed);
}

namespace {
// The seed of an unseeded shuffle: the global generator's next stream, so set_random_seed makes
// it reproducible.
uint64_t resolve_seed(std::optional<uint64_t> seed) {
  if (seed) return *seed;
  kernels::PhiloxStream s = next_random_stream();
  return detail::mix_seed(s.seed, s.stream);
}
}  // namespace

Dataset Dataset::list_files(const std::vector<std::string>& patterns, bool shuffle,
                            std::optional<uint64_t> seed) {
  return Dataset(detail::make_list_files_node(patterns, shuffle, resolve_seed(seed)));
}

Dataset TextLineDataset(const std::vector<std::string>& filenames) {
  return Dataset(detail::make_text_line_node(filenames));
}

Dataset TextLineDataset(const std::string& filename) {
  return TextLineDataset(std::vector<std::string>{filename});
}

Dataset TFRecordDataset(const std::vector<std::string>& filenames,
                        const TFRecordDatasetOptions& options) {
  return Dataset(detail::make_tfrecord_node(filenames, options));
}

Dataset TFRecordDataset(const std::string& filename, const TFRecordDatasetOptions& options) {
  return TFRecordDataset(std::vector<std::string>{filename}, options);
}

// ---- Transformations ----

Dataset Dataset::map(MapFunction fn, const MapOptions& options) const {
  TANDEM_CHECK(fn != nullptr, ValueError, "map: the function is empty");
  return Dataset(detail::make_map_node(node_, std::move(fn), options));
}

Dataset Dataset::filter(Predicate predicate) const {
  TANDEM_CHECK(predicate != nullptr, ValueError, "filter: the predicate is empty");
  return Dataset(detail::make_filter_node(node_, std::move(predicate)));
}

Dataset Dataset::shuffle(int64_t buffer_size, std::optional<uint64_t> seed,
                         bool reshuffle_each_iteration) const {
  return Dataset(
      detail::make_shuffle_node(node_, buffer_size, resolve_seed(seed), reshuffle_each_iteration));
}

Dataset Dataset::batch(int64_t batch_size, bool drop_remainder) const {
  return Dataset(detail::make_batch_node(node_, batch_size, drop_remainder));
}

Dataset Dataset::padded_batch(int64_t batch_size, const PaddedBatchOptions& options) const {
  return Dataset(detail::make_padded_batch_node(node_, batch_size, options));
}

Dataset Dataset::unbatch() const { return Dataset(detail::make_unbatch_node(node_)); }

Dataset Dataset::repeat(int64_t count) const {
  return Dataset(detail::make_repeat_node(node_, count));
}

Dataset Dataset::take(int64_t count) const { return Dataset(detail::make_take_node(node_, count)); }

Dataset Dataset::skip(int64_t count) const { return Dataset(detail::make_skip_node(node_, count)); }

Dataset Dataset::shard(int64_t num_shards, int64_t index) const {
  return Dataset(detail::make_shard_node(node_, num_shards, index));
}

Dataset Dataset::enumerate(int64_t start) const {
  return Dataset(detail::make_enumerate_node(node_, start));
}

Dataset Dataset::concatenate(const Dataset& other) const {
  return Dataset(detail::make_concatenate_node(node_, other.node_));
}

Dataset Dataset::cache() const { return Dataset(detail::make_cache_node(node_)); }

Dataset Dataset::cache(const std::string& filename) const {
  if (filename.empty()) return cache();
  return Dataset(detail::make_file_cache_node(node_, filename));
}

Dataset Dataset::prefetch(int64_t buffer_size) const {
  return Dataset(detail::make_prefetch_node(node_, buffer_size));
}

Dataset Dataset::with_options(const Options& options) const {
  return Dataset(detail::make_options_node(node_, options));
}

Options Dataset::options() const { return detail::find_options(node_); }

Dataset Dataset::interleave(InterleaveFunction fn, const InterleaveOptions& options) const {
  TANDEM_CHECK(fn != nullptr, ValueError, "interleave: the function is empty");
  return Dataset(detail::make_interleave_node(node_, std::move(fn), options));
}

// ---- Iteration ----

std::unique_ptr<IteratorBase> Dataset::make_iterator() const {
  return make_iterator(epoch_->fetch_add(1));
}

std::unique_ptr<IteratorBase> Dataset::make_iterator(uint64_t epoch) const {
  return node_->make_iterator(IteratorContext{.epoch = epoch});
}

std::vector<Element> Dataset::collect() const {
  std::vector<Element> out;
  auto it = make_iterator();
  while (auto e = it->next()) out.push_back(std::move(*e));
  return out;
}

Dataset::Iterator::Iterator(std::shared_ptr<IteratorBase> impl) : impl_(std::move(impl)) {
  current_ = impl_->next();
}

Dataset::Iterator& Dataset::Iterator::operator++() {
  current_ = impl_->next();
  if (!current_) impl_.reset();  // release threads and buffers as soon as the epoch ends
  return *this;
}

Dataset::Iterator Dataset::begin() const { return Iterator(make_iterator()); }

}  // namespace tandem::data
