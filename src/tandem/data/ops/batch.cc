// batch, padded_batch and unbatch.
#include <algorithm>
#include <cstring>

#include "tandem/core/mutable_tensor.h"
#include "tandem/data/ops/nodes.h"

namespace tandem::data::detail {

namespace {

char* mutable_bytes(MutableTensor& t) { return static_cast<char*>(t.mutable_raw_data()); }

// Copies `count` elements (std::string objects for string tensors, raw bytes otherwise).
void copy_elements(const char* src, char* dst, int64_t count, DType dtype) {
  if (dtype == DType::kString) {
    const auto* s = reinterpret_cast<const std::string*>(src);
    auto* d = reinterpret_cast<std::string*>(dst);
    for (int64_t k = 0; k < count; ++k) d[k] = s[k];
  } else {
    std::memcpy(dst, src, static_cast<size_t>(count) * dtype_size(dtype));
  }
}

// Copies a block of shape `from` into the leading corner of a block of shape `to` (same rank).
void copy_into_corner(const char* src, const std::vector<int64_t>& from, char* dst,
                      const std::vector<int64_t>& to, size_t depth, DType dtype) {
  if (from.empty()) return copy_elements(src, dst, 1, dtype);
  if (depth + 1 == from.size()) return copy_elements(src, dst, from[depth], dtype);
  int64_t src_stride = 1, dst_stride = 1;
  for (size_t d = depth + 1; d < from.size(); ++d) {
    src_stride *= from[d];
    dst_stride *= to[d];
  }
  size_t esize = dtype_size(dtype);
  for (int64_t i = 0; i < from[depth]; ++i) {
    copy_into_corner(src + static_cast<size_t>(i * src_stride) * esize, from,
                     dst + static_cast<size_t>(i * dst_stride) * esize, to, depth + 1, dtype);
  }
}

std::string label(const Element& e, size_t c) {
  return e.is_map() ? "component '" + e.names()[c] + "'" : "component " + std::to_string(c);
}

// Checks that element i of a batch has the structure of the first (the number of components, the
// names and the dtypes).
void check_element_structure(const Element& first, const Element& e, size_t i, const char* op) {
  TANDEM_CHECK(e.size() == first.size() && e.names() == first.names(), ValueError, op,
               ": elements of one batch must have the same structure; element 0 is ",
               first.describe(), ", element ", i, " is ", e.describe());
  for (size_t c = 0; c < first.size(); ++c) {
    TANDEM_CHECK(e.components()[c].dtype() == first.components()[c].dtype(), TypeError, op, ": ",
                 label(first, c), " has dtype ", dtype_name(first[c].dtype()),
                 " in element 0 of the batch but ", dtype_name(e[c].dtype()), " in element ", i);
  }
}

// The batch's first element fixes the structure; the others must match it.
void check_structure(const std::vector<Element>& elems, const char* op) {
  for (size_t i = 1; i < elems.size(); ++i) {
    check_element_structure(elems.front(), elems[i], i, op);
  }
}

Element with_structure_of(const Element& like, std::vector<Tensor> parts) {
  if (like.is_map()) return Element::named(like.names(), std::move(parts));
  return Element(std::move(parts));
}

// The host bytes of t (a copy only for a tensor on another device; pipelines run on the host).
const char* host_bytes(const Tensor& t, Tensor& keep) {
  if (t.device().is_cpu()) return static_cast<const char*>(t.raw_data());
  keep = t.cpu();
  return static_cast<const char*>(keep.raw_data());
}

// Software prefetching for the copy loop. After a shuffle the elements of a batch are scattered
// in memory, and reaching an element's bytes is a chain of dependent loads (the component array,
// the TensorImpl, its Storage, the data), each a cache miss. The copy of element i asks for the
// next link of the chain of elements a few places ahead, so that when their turn comes every link
// is in the cache.
void prefetch_ahead(const std::vector<Element>& elems, size_t i) {
  constexpr size_t kArray = 8, kImpl = 6, kStorage = 4, kData = 2;
  constexpr size_t kLine = 64, kMaxBytes = 16384;
  const size_t n = elems.size();
  if (i + kArray < n) __builtin_prefetch(elems[i + kArray].components().data());
  if (i + kImpl < n) {
    for (const Tensor& t : elems[i + kImpl].components()) __builtin_prefetch(t.impl_ptr().get());
  }
  if (i + kStorage < n) {
    for (const Tensor& t : elems[i + kStorage].components()) {
      if (const tandem::detail::TensorImpl* p = t.impl_ptr().get()) {
        __builtin_prefetch(p->storage.get());
      }
    }
  }
  if (i + kData < n) {
    for (const Tensor& t : elems[i + kData].components()) {
      const tandem::detail::TensorImpl* p = t.impl_ptr().get();
      if (p == nullptr || p->storage == nullptr || p->dtype == DType::kString) continue;
      const char* data = static_cast<const char*>(p->storage->data()) + p->offset;
      size_t bytes =
          std::min(static_cast<size_t>(p->shape.num_elements()) * dtype_size(p->dtype), kMaxBytes);
      for (size_t b = 0; b < bytes; b += kLine) __builtin_prefetch(data + b);
    }
  }
}

// One pass over the elements: each one's checks and its copies into the preallocated batch
// tensors happen together, so every element (scattered in memory after a shuffle) is touched once.
Element stack_elements(const std::vector<Element>& elems) {
  const Element& first = elems.front();
  const size_t n = first.size();
  std::vector<MutableTensor> batch;
  std::vector<char*> dst(n);
  std::vector<size_t> row_bytes(n);
  batch.reserve(n);
  for (size_t c = 0; c < n; ++c) {
    const Tensor& t = first.components()[c];
    std::vector<int64_t> dims{static_cast<int64_t>(elems.size())};
    dims.insert(dims.end(), t.shape().dims().begin(), t.shape().dims().end());
    batch.push_back(MutableTensor::empty(Shape(dims), t.dtype(), Device::cpu()));
    dst[c] = mutable_bytes(batch.back());
    row_bytes[c] = static_cast<size_t>(t.num_elements()) * dtype_size(t.dtype());
  }
  Tensor keep;
  for (size_t i = 0; i < elems.size(); ++i) {
    prefetch_ahead(elems, i);
    const Element& e = elems[i];
    if (i > 0) check_element_structure(first, e, i, "batch");
    for (size_t c = 0; c < n; ++c) {
      const Tensor& t = e.components()[c];
      const Tensor& f = first.components()[c];
      TANDEM_CHECK(i == 0 || t.shape() == f.shape(), ShapeError, "batch: ", label(first, c),
                   " has shape ", f.shape().to_string(), " in element 0 of the batch but ",
                   t.shape().to_string(), " in element ", i,
                   "; use padded_batch for elements of different shapes");
      if (t.dtype() == DType::kString) {
        copy_elements(host_bytes(t, keep), dst[c] + i * row_bytes[c], t.num_elements(), t.dtype());
      } else {
        std::memcpy(dst[c] + i * row_bytes[c], host_bytes(t, keep), row_bytes[c]);
      }
    }
  }
  std::vector<Tensor> parts;
  parts.reserve(n);
  for (MutableTensor& b : batch) parts.push_back(std::move(b).freeze());
  return with_structure_of(first, std::move(parts));
}

// The padded shape of component c: options' shape (-1 = longest) or the longest in every
// dimension.
std::vector<int64_t> padded_dims(const std::vector<Element>& elems, size_t c,
                                 const PaddedBatchOptions& options) {
  const Element& first = elems.front();
  std::vector<int64_t> dims = first[c].shape().as_list();
  for (size_t i = 1; i < elems.size(); ++i) {
    TANDEM_CHECK(elems[i][c].rank() == first[c].rank(), ShapeError,
                 "padded_batch: ", label(first, c), " has shape ", first[c].shape().to_string(),
                 " in element 0 of the batch but ", elems[i][c].shape().to_string(), " in element ",
                 i, "; padding needs the same rank");
    for (size_t d = 0; d < dims.size(); ++d) {
      dims[d] = std::max(dims[d], elems[i][c].shape()[static_cast<int>(d)]);
    }
  }
  if (options.padded_shapes.empty()) return dims;
  const Shape& want = options.padded_shapes[c];
  TANDEM_CHECK(want.rank() == static_cast<int>(dims.size()), ShapeError,
               "padded_batch: ", label(first, c), " has rank ", dims.size(),
               " but its padded shape is ", want.to_string());
  for (size_t d = 0; d < dims.size(); ++d) {
    int64_t w = want[static_cast<int>(d)];
    if (w < 0) continue;
    TANDEM_CHECK(dims[d] <= w, ShapeError, "padded_batch: ", label(first, c), " needs ", dims[d],
                 " in dimension ", d, ", more than its padded shape ", want.to_string());
    dims[d] = w;
  }
  return dims;
}

void fill_padding(MutableTensor& out, const PaddedBatchOptions& options, size_t c) {
  if (out.dtype() == DType::kString) {
    auto* d = reinterpret_cast<std::string*>(mutable_bytes(out));
    std::string value = options.padding_values.empty()
                            ? std::string()
                            : options.padding_values[c].cpu().item<std::string>();
    for (int64_t k = 0; k < out.num_elements(); ++k) d[k] = value;
    return;
  }
  if (options.padding_values.empty()) {
    std::memset(mutable_bytes(out), 0, out.nbytes());  // zero bits are 0 in every numeric dtype
    return;
  }
  Tensor value = options.padding_values[c].cpu();
  size_t esize = dtype_size(out.dtype());
  for (int64_t k = 0; k < out.num_elements(); ++k) {
    std::memcpy(mutable_bytes(out) + static_cast<size_t>(k) * esize, value.raw_data(), esize);
  }
}

Element pad_and_stack(const std::vector<Element>& elems, const PaddedBatchOptions& options) {
  check_structure(elems, "padded_batch");
  const Element& first = elems.front();
  TANDEM_CHECK(options.padded_shapes.empty() || options.padded_shapes.size() == first.size(),
               ValueError, "padded_batch: expected ", first.size(), " padded shapes, received ",
               options.padded_shapes.size());
  TANDEM_CHECK(options.padding_values.empty() || options.padding_values.size() == first.size(),
               ValueError, "padded_batch: expected ", first.size(), " padding values, received ",
               options.padding_values.size());
  std::vector<Tensor> parts;
  for (size_t c = 0; c < first.size(); ++c) {
    if (!options.padding_values.empty()) {
      const Tensor& v = options.padding_values[c];
      TANDEM_CHECK(v.num_elements() == 1 && v.dtype() == first[c].dtype(), TypeError,
                   "padded_batch: the padding value of ", label(first, c),
                   " must be a scalar of dtype ", dtype_name(first[c].dtype()), ", received ",
                   dtype_name(v.dtype()), " ", v.shape().to_string());
    }
    std::vector<int64_t> inner = padded_dims(elems, c, options);
    std::vector<int64_t> dims{static_cast<int64_t>(elems.size())};
    dims.insert(dims.end(), inner.begin(), inner.end());
    MutableTensor out = MutableTensor::empty(Shape(dims), first[c].dtype(), Device::cpu());
    fill_padding(out, options, c);
    size_t row_bytes = static_cast<size_t>(Shape(inner).num_elements()) * dtype_size(out.dtype());
    for (size_t i = 0; i < elems.size(); ++i) {
      Tensor src = elems[i][c].cpu();
      copy_into_corner(static_cast<const char*>(src.raw_data()), src.shape().as_list(),
                       mutable_bytes(out) + i * row_bytes, inner, 0, out.dtype());
    }
    parts.push_back(std::move(out).freeze());
  }
  return with_structure_of(first, std::move(parts));
}

using Combine = std::function<Element(const std::vector<Element>&)>;

class BatchNode : public DatasetNode {
 public:
  NodePtr input() const override { return input_; }
  NodePtr with_input(NodePtr input) const override {
    return std::make_shared<BatchNode>(std::move(input), batch_size_, drop_remainder_, combine_);
  }
  BatchNode(NodePtr input, int64_t batch_size, bool drop_remainder, Combine combine)
      : input_(std::move(input)),
        batch_size_(batch_size),
        drop_remainder_(drop_remainder),
        combine_(std::move(combine)) {
    TANDEM_CHECK(batch_size > 0, ValueError, "batch: batch_size must be positive, received ",
                 batch_size);
  }
  int64_t cardinality() const override {
    int64_t n = input_->cardinality();
    if (n < 0) return n;
    return drop_remainder_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
  }
  std::unique_ptr<IteratorBase> make_iterator(const IteratorContext& ctx) const override {
    class It : public IteratorBase {
     public:
      It(std::unique_ptr<IteratorBase> input, const BatchNode& node)
          : input_(std::move(input)),
            batch_size_(node.batch_size_),
            drop_remainder_(node.drop_remainder_),
            combine_(node.combine_) {}
      // elems_ keeps its capacity from batch to batch: a fresh vector of a batch's elements is a
      // multi-kilobyte malloc, and each of those makes glibc consolidate every small chunk freed
      // since the last one (measured: 4% of the TFRecord pipeline's time).
      std::optional<Element> next() override {
        elems_.clear();
        while (static_cast<int64_t>(elems_.size()) < batch_size_) {
          std::optional<Element> e = input_->next();
          if (!e) break;
          elems_.push_back(std::move(*e));
        }
        if (elems_.empty()) return std::nullopt;
        if (drop_remainder_ && static_cast<int64_t>(elems_.size()) < batch_size_) {
          return std::nullopt;
        }
        Element out = combine_(elems_);
        elems_.clear();  // the batch's inputs are released now, not when the next one starts
        return out;
      }

     private:
      std::unique_ptr<IteratorBase> input_;
      int64_t batch_size_;
      bool drop_remainder_;
      Combine combine_;
      std::vector<Element> elems_;
    };
    return std::make_unique<It>(input_->make_iterator(ctx), *this);
  }

 private:
  NodePtr input_;
  int64_t batch_size_;
  bool drop_remainder_;
  Combine combine_;
};

class UnbatchNode : public DatasetNode {
 public:
  NodePtr input() const override { return input_; }
  NodePtr with_input(NodePtr input) const override { return make_unbatch_node(std::move(input)); }
  explicit UnbatchNode(NodePtr input) : input_(std::move(input)) {}
  int64_t cardinality() const override {
    return input_->cardinality() == INFINITE_CARDINALITY ? INFINITE_CARDINALITY
                                                         : UNKNOWN_CARDINALITY;
  }
  std::unique_ptr<IteratorBase> make_iterator(const IteratorContext& ctx) const override {
    class It : public IteratorBase {
     public:
      explicit It(std::unique_ptr<IteratorBase> input) : input_(std::move(input)) {}
      std::optional<Element> next() override {
        while (row_ >= rows_) {
          std::optional<Element> e = input_->next();
          if (!e) return std::nullopt;
          start(std::move(*e));
        }
        std::vector<Tensor> parts;
        for (const Tensor& t : current_.components()) parts.push_back(slice_row(t, row_));
        ++row_;
        return with_structure_of(current_, std::move(parts));
      }

     private:
      void start(Element e) {
        std::vector<Tensor> parts;
        for (size_t c = 0; c < e.size(); ++c) {
          TANDEM_CHECK(e[c].rank() >= 1, ValueError, "unbatch: ", label(e, c),
                       " is a scalar; every component needs a batch dimension");
          TANDEM_CHECK(e[c].shape()[0] == e[0].shape()[0], ShapeError,
                       "unbatch: all components need the same first dimension; ", label(e, 0),
                       " has shape ", e[0].shape().to_string(), ", ", label(e, c), " has shape ",
                       e[c].shape().to_string());
          parts.push_back(e[c].cpu());
        }
        rows_ = e.size() == 0 ? 0 : e[0].shape()[0];
        row_ = 0;
        current_ = with_structure_of(e, std::move(parts));
      }
      std::unique_ptr<IteratorBase> input_;
      Element current_;
      int64_t row_ = 0, rows_ = 0;
    };
    return std::make_unique<It>(input_->make_iterator(ctx));
  }

 private:
  NodePtr input_;
};

}  // namespace

NodePtr make_batch_node(NodePtr input, int64_t batch_size, bool drop_remainder) {
  return std::make_shared<BatchNode>(std::move(input), batch_size, drop_remainder, stack_elements);
}

NodePtr make_padded_batch_node(NodePtr input, int64_t batch_size, PaddedBatchOptions options) {
  bool drop = options.drop_remainder;
  return std::make_shared<BatchNode>(
      std::move(input), batch_size, drop,
      [options = std::move(options)](const std::vector<Element>& elems) {
        return pad_and_stack(elems, options);
      });
}

NodePtr make_unbatch_node(NodePtr input) { return std::make_shared<UnbatchNode>(std::move(input)); }

}  // namespace tandem::data::detail
