// Internal: the node factories behind Dataset's methods, one family per .cc file in this folder,
// and helpers they share. Not part of the public API.
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tandem/data/dataset.h"

namespace tandem::data::detail {

using NodePtr = std::shared_ptr<const DatasetNode>;

// sources.cc
NodePtr make_tensor_slices_node(std::vector<Tensor> tensors, std::vector<std::string> names);
NodePtr make_tensors_node(Element element);
NodePtr make_range_node(int64_t start, int64_t stop, int64_t step);
NodePtr make_generator_node(GeneratorFactory factory);
// combine.cc
NodePtr make_zip_node(std::vector<NodePtr> inputs);
NodePtr make_concatenate_node(NodePtr first, NodePtr second);
// map.cc
NodePtr make_map_node(NodePtr input, MapFunction fn, MapOptions options);
// filter.cc
NodePtr make_filter_node(NodePtr input, Predicate predicate);
// shuffle.cc
NodePtr make_shuffle_node(NodePtr input, int64_t buffer_size, uint64_t seed, bool reshuffle);
// batch.cc
NodePtr make_batch_node(NodePtr input, int64_t batch_size, bool drop_remainder);
NodePtr make_padded_batch_node(NodePtr input, int64_t batch_size, PaddedBatchOptions options);
NodePtr make_unbatch_node(NodePtr input);
// slicing.cc: repeat, take, skip, shard, enumerate
NodePtr make_repeat_node(NodePtr input, int64_t count);
NodePtr make_take_node(NodePtr input, int64_t count);
NodePtr make_skip_node(NodePtr input, int64_t count);
NodePtr make_shard_node(NodePtr input, int64_t num_shards, int64_t index);
NodePtr make_enumerate_node(NodePtr input, int64_t start);
// cache.cc (in memory)
NodePtr make_cache_node(NodePtr input);
// file_cache.cc (cache(filename))
NodePtr make_file_cache_node(NodePtr input, std::string filename);
// prefetch.cc
NodePtr make_prefetch_node(NodePtr input, int64_t buffer_size);
std::unique_ptr<IteratorBase> make_prefetch_iterator(std::unique_ptr<IteratorBase> input,
                                                     int64_t buffer_size);
// interleave.cc
NodePtr make_interleave_node(NodePtr input, InterleaveFunction fn, InterleaveOptions options);
// files.cc
NodePtr make_list_files_node(const std::vector<std::string>& patterns, bool shuffle, uint64_t seed);
NodePtr make_text_line_node(std::vector<std::string> filenames);
// tfrecord.cc
NodePtr make_tfrecord_node(std::vector<std::string> filenames, TFRecordDatasetOptions options);
// options.cc: with_options, and the options attached nearest to `node` upstream (else defaults).
NodePtr make_options_node(NodePtr input, Options options);
Options find_options(const NodePtr& node);
// auto_shard.cc: `node` rebuilt over its file source reading only files index, index +
// num_shards, ... (in the source's order); nullptr when no file source feeds it through
// transformations of one input, or when the source reads fewer than num_shards files. `files`
// gets the number of files the source reads (0 when there is none).
NodePtr shard_by_file(const NodePtr& node, int64_t num_shards, int64_t index, int64_t& files);

// sources.cc: row i of t along the first dimension, as a view sharing t's (host) storage.
Tensor slice_row(const Tensor& t, int64_t i);
// The same with the row's shape (row_shape(t), t's shape without its first dimension) computed
// once by the caller: a source that slices every row saves two allocations per row.
Tensor slice_row(const Tensor& t, int64_t i, const Shape& row);
Shape row_shape(const Tensor& t);

// dataset.cc: rethrows the exception in `error` as the same Tandem error type with "context: " in
// front of its message (other exceptions become tandem::Error).
[[noreturn]] void rethrow_with_context(std::exception_ptr error, const std::string& context);

// A well-mixed 64-bit value from two (splitmix64 finaliser): per-epoch and per-repetition seeds.
uint64_t mix_seed(uint64_t a, uint64_t b);

// Number of threads AUTOTUNE stands for.
int64_t autotune_threads();

}  // namespace tandem::data::detail
