// Dataset: a lazy, pull-based input pipeline like tf.data.Dataset (DESIGN section 2).
//
// A Dataset is a cheap value handle on an immutable node; every transformation returns a new handle
// (`ds.map(f).shuffle(1000, 42).batch(32).prefetch(AUTOTUNE)`). Iterating (a range-for, or
// make_iterator()) builds a fresh chain of iterators, so each loop over a Dataset is one epoch.
// Nothing runs until an element is pulled.
#pragma once

#include <atomic>
#include <concepts>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tandem/data/element.h"
#include "tandem/data/options.h"

namespace tandem::data {

// tf.data's sentinel values (tf.data.INFINITE_CARDINALITY, tf.data.UNKNOWN_CARDINALITY,
// tf.data.AUTOTUNE).
inline constexpr int64_t INFINITE_CARDINALITY = -1;  // NOLINT: TensorFlow's name
inline constexpr int64_t UNKNOWN_CARDINALITY = -2;   // NOLINT: TensorFlow's name
inline constexpr int64_t AUTOTUNE = -1;              // NOLINT: TensorFlow's name

// What one iteration of a pipeline knows: its epoch, from which shuffles derive their order.
struct IteratorContext {
  uint64_t epoch = 0;
};

// One pass over a dataset. next() returns the next element, or nothing at the end.
class IteratorBase {
 public:
  virtual ~IteratorBase() = default;
  virtual std::optional<Element> next() = 0;
};

// The immutable description of a dataset; shared between Dataset handles and iterators (an
// iterator keeps its node alive through shared_from_this, so it may outlive every handle).
class DatasetNode : public std::enable_shared_from_this<DatasetNode> {
 public:
  virtual ~DatasetNode() = default;
  virtual std::unique_ptr<IteratorBase> make_iterator(const IteratorContext& ctx) const = 0;
  // Number of elements, INFINITE_CARDINALITY or UNKNOWN_CARDINALITY.
  virtual int64_t cardinality() const = 0;

  // How whole-pipeline rewrites (sharding by file) and lookups (options) walk a pipeline. A
  // transformation of one dataset returns it from input() and makes a copy of itself over
  // another input with with_input(); sources, zip and concatenate have no input().
  virtual std::shared_ptr<const DatasetNode> input() const { return nullptr; }
  virtual std::shared_ptr<const DatasetNode> with_input(
      std::shared_ptr<const DatasetNode> input) const;
  // A file source returns the files it reads, in order, and makes a copy reading only `files`.
  virtual const std::vector<std::string>* source_files() const { return nullptr; }
  virtual std::shared_ptr<const DatasetNode> with_source_files(
      std::vector<std::string> files) const;
  // The options this node attaches (with_options), if it is an options node.
  virtual const Options* attached_options() const { return nullptr; }
};

class Dataset;
using MapFunction = std::function<Element(const Element&)>;
using Predicate = std::function<bool(const Element&)>;
using Generator = std::function<std::optional<Element>()>;
using GeneratorFactory = std::function<Generator()>;
using InterleaveFunction = std::function<Dataset(const Element&)>;

struct MapOptions {
  // Elements transformed at once on worker threads; 0 or 1 transforms on the caller's thread,
  // AUTOTUNE uses the process's CPU thread budget (this rank's share of its cores, the same count
  // as the kernels' OpenMP threads: tandem::config::threading).
  int64_t num_parallel_calls = 0;
  // true: elements come out in input order; false: as soon as they are ready.
  bool deterministic = true;
};

struct PaddedBatchOptions {
  // Per component: the padded shape (-1 dimensions pad to the longest in the batch). Empty: pad
  // every dimension to the batch's longest.
  std::vector<Shape> padded_shapes = {};
  // Per component: a scalar padding value (default 0, or "" for strings).
  std::vector<Tensor> padding_values = {};
  bool drop_remainder = false;
};

struct InterleaveOptions {
  int64_t cycle_length = AUTOTUNE;  // input elements open at once; AUTOTUNE: one per core
  int64_t block_length = 1;         // consecutive elements taken from each before moving on
  int64_t num_parallel_calls = 0;   // > 1: each open dataset is produced on its own thread
  bool deterministic = true;
};

class Dataset {
 public:
  // ---- Sources ----
  // Slices along the first dimension; every component must have the same first dimension.
  static Dataset from_tensor_slices(const Tensor& tensor);
  static Dataset from_tensor_slices(const std::vector<Tensor>& tensors);
  // Name->tensor: from_tensor_slices({{"image", x}, {"label", y}}) keeps the given order; any map
  // type (std::map, std::unordered_map) keeps its iteration order.
  static Dataset from_tensor_slices(const std::vector<std::pair<std::string, Tensor>>& tensors);
  template <class Map>
  requires requires(const Map& m) {
    typename Map::mapped_type;
    { m.begin()->second } -> std::convertible_to<const Tensor&>;
  }
  static Dataset from_tensor_slices(const Map& tensors) {
    return from_tensor_slices(
        std::vector<std::pair<std::string, Tensor>>(tensors.begin(), tensors.end()));
  }
  // One element holding the given tensors unchanged.
  static Dataset from_tensors(const Element& element);
  // int64 scalars start, start + step, ... up to (excluding) stop.
  static Dataset range(int64_t stop);
  static Dataset range(int64_t start, int64_t stop, int64_t step = 1);
  // A callable returning elements until it returns nothing. A plain generator is shared by every
  // iteration (the second epoch continues where the first stopped, like a Python generator object);
  // a factory is called once per iteration to make a fresh generator (like passing the generator
  // function to tf.data.Dataset.from_generator).
  static Dataset from_generator(Generator generator);
  static Dataset from_generator_factory(GeneratorFactory factory);
  // Elements of every dataset side by side, components concatenated (maps merge their names);
  // ends with the shortest.
  static Dataset zip(const std::vector<Dataset>& datasets);
  // Paths matching a glob pattern (or any of several), sorted, then shuffled when asked.
  static Dataset list_files(const std::string& pattern, bool shuffle = true,
                            std::optional<uint64_t> seed = std::nullopt);
  static Dataset list_files(const std::vector<std::string>& patterns, bool shuffle = true,
                            std::optional<uint64_t> seed = std::nullopt);

  // ---- Transformations ----
  Dataset map(MapFunction fn, const MapOptions& options = {}) const;
  Dataset filter(Predicate predicate) const;
  // tf.data's buffer shuffle: fill a buffer of buffer_size, emit a random element and replace it by
  // the next input. No seed: drawn from the global generator (set_random_seed) when the dataset is
  // made. reshuffle_each_iteration: every epoch (see set_epoch) gets its own order.
  Dataset shuffle(int64_t buffer_size, std::optional<uint64_t> seed = std::nullopt,
                  bool reshuffle_each_iteration = true) const;
  Dataset batch(int64_t batch_size, bool drop_remainder = false) const;
  Dataset padded_batch(int64_t batch_size, const PaddedBatchOptions& options = {}) const;
  Dataset unbatch() const;
  // count < 0 repeats forever.
  Dataset repeat(int64_t count = -1) const;
  Dataset take(int64_t count) const;  // count < 0 takes everything
  Dataset skip(int64_t count) const;  // count < 0 skips everything
  // Every num_shards-th element starting at index (one rank's slice of the data).
  Dataset shard(int64_t num_shards, int64_t index) const;
  // Prepends an int64 scalar counter (a component named "index" for map elements).
  Dataset enumerate(int64_t start = 0) const;
  Dataset concatenate(const Dataset& other) const;
  // The first complete iteration is kept in memory and replayed afterwards.
  Dataset cache() const;
  // The first complete iteration is written to the file `filename` (through a temporary name,
  // renamed when the input ends); while that file exists, iterations read it and never run the
  // input. An empty filename caches in memory. A truncated or corrupt file raises IOError naming
  // it and the byte offset.
  Dataset cache(const std::string& filename) const;
  // Produces up to buffer_size elements ahead on a background thread (AUTOTUNE: 2).
  Dataset prefetch(int64_t buffer_size = AUTOTUNE) const;
  // Maps each element to a dataset and interleaves their elements (tf.data.Dataset.interleave).
  Dataset interleave(InterleaveFunction fn, const InterleaveOptions& options = {}) const;
  // This dataset with `options` attached (tf.data.Dataset.with_options); transformations applied
  // afterwards keep them. The nearest with_options upstream wins.
  Dataset with_options(const Options& options) const;

  // ---- Inspection and iteration ----
  int64_t cardinality() const { return node_->cardinality(); }
  // The options attached upstream with with_options, else the defaults.
  Options options() const;
  // The epoch the next iteration runs as; each iteration (range-for or make_iterator()) then
  // advances it. Shuffles with reshuffle_each_iteration derive their order from (seed, epoch), so
  // set_epoch(e) replays epoch e's order. Shared by copies of this handle.
  void set_epoch(uint64_t epoch) const { epoch_->store(epoch); }
  uint64_t epoch() const { return epoch_->load(); }
  // An iterator for the next epoch, or for the given one without advancing.
  std::unique_ptr<IteratorBase> make_iterator() const;
  std::unique_ptr<IteratorBase> make_iterator(uint64_t epoch) const;
  // All elements of one iteration (for tests and small datasets).
  std::vector<Element> collect() const;

  class Iterator {
   public:
    using value_type = Element;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    explicit Iterator(std::shared_ptr<IteratorBase> impl);
    const Element& operator*() const { return *current_; }
    const Element* operator->() const { return &*current_; }
    Iterator& operator++();
    bool operator==(const Iterator& o) const { return done() == o.done(); }
    bool operator!=(const Iterator& o) const { return !(*this == o); }

   private:
    bool done() const { return !current_.has_value(); }
    std::shared_ptr<IteratorBase> impl_;
    std::optional<Element> current_;
  };
  Iterator begin() const;
  Iterator end() const { return Iterator(); }

  explicit Dataset(std::shared_ptr<const DatasetNode> node);
  const std::shared_ptr<const DatasetNode>& node() const { return node_; }

 private:
  std::shared_ptr<const DatasetNode> node_;
  std::shared_ptr<std::atomic<uint64_t>> epoch_;
};

// TextLineDataset: the lines of the given files as string scalars, without their line ends.
Dataset TextLineDataset(const std::vector<std::string>& filenames);
Dataset TextLineDataset(const std::string& filename);

// TFRecordDataset: the records of the given TFRecord files as string scalars (parse them with
// tandem::io's parse_single_example). compression_type: "", "GZIP" or "ZLIB". Bad records raise
// IOError naming the file and byte offset, or are skipped when skip_corrupt_records is set.
struct TFRecordDatasetOptions {
  std::string compression_type = "";
  bool skip_corrupt_records = false;
  size_t buffer_size = 256 * 1024;  // bytes read at a time
};
Dataset TFRecordDataset(const std::vector<std::string>& filenames,
                        const TFRecordDatasetOptions& options = {});
Dataset TFRecordDataset(const std::string& filename, const TFRecordDatasetOptions& options = {});

}  // namespace tandem::data
