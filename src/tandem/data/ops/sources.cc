// Sources: from_tensor_slices, from_tensors, range, from_generator.
#include <mutex>

#include "tandem/data/ops/nodes.h"

namespace tandem::data::detail {

namespace {

std::string component_label(const std::vector<std::string>& names, size_t i) {
  return names.empty() ? "component " + std::to_string(i) : "component '" + names[i] + "'";
}

class TensorSlicesNode : public DatasetNode {
 public:
  TensorSlicesNode(std::vector<Tensor> tensors, std::vector<std::string> names)
      : tensors_(std::move(tensors)), names_(std::move(names)) {
    TANDEM_CHECK(!tensors_.empty(), ValueError, "from_tensor_slices: expected at least one tensor");
    for (size_t i = 0; i < tensors_.size(); ++i) {
      TANDEM_CHECK(tensors_[i].defined(), ValueError,
                   "from_tensor_slices: ", component_label(names_, i), " is an undefined tensor");
      TANDEM_CHECK(tensors_[i].rank() >= 1, ValueError,
                   "from_tensor_slices: ", component_label(names_, i),
                   " must have at least one dimension to slice, received a scalar");
      TANDEM_CHECK(tensors_[i].shape()[0] == tensors_[0].shape()[0], ValueError,
                   "from_tensor_slices: all components must have the same first dimension; ",
                   component_label(names_, 0), " has shape ", tensors_[0].shape().to_string(), ", ",
                   component_label(names_, i), " has shape ", tensors_[i].shape().to_string());
      tensors_[i] = tensors_[i].cpu();  // the pipeline runs on the host, like tf.data
    }
  }

  int64_t cardinality() const override { return tensors_[0].shape()[0]; }

  std::unique_ptr<IteratorBase> make_iterator(const IteratorContext&) const override {
    class It : public IteratorBase {
     public:
      explicit It(std::shared_ptr<const TensorSlicesNode> node) : node_(std::move(node)) {
        for (const Tensor& t : node_->tensors_) rows_.push_back(row_shape(t));
      }
      std::optional<Element> next() override {
        if (i_ >= node_->cardinality()) return std::nullopt;
        std::vector<Tensor> parts;
        parts.reserve(node_->tensors_.size());
        for (size_t c = 0; c < rows_.size(); ++c) {
          parts.push_back(slice_row(node_->tensors_[c], i_, rows_[c]));
        }
        ++i_;
        if (node_->names_.empty()) return Element(std::move(parts));
        return Element::named(node_->names_, std::move(parts));
      }

     private:
      std::shared_ptr<const TensorSlicesNode> node_;
      std::vector<Shape> rows_;  // each component's row shape, computed once
      int64_t i_ = 0;
    };
    return std::make_unique<It>(
        std::static_pointer_cast<const TensorSlicesNode>(shared_from_this()));
  }

 private:
  std::vector<Tensor> tensors_;
  std::vector<std::string> names_;
};

class TensorsNode : public DatasetNode {
 public:
  explicit TensorsNode(Element element) : element_(std::move(element)) {}
  int64_t cardinality() const override { return 1; }
  std::unique_ptr<IteratorBase> make_iterator(const IteratorContext&) const override {
    class It : public IteratorBase {
     public:
      explicit It(const Element& e) : element_(e) {}
      std::optional<Element> next() override {
        if (done_) return std::nullopt;
        done_ = true;
        return element_;
      }

     private:
      Element element_;
      bool done_ = false;
    };
    return std::make_unique<It>(element_);
  }

 private:
  Element element_;
};

class RangeNode : public DatasetNode {
 public:
  RangeNode(int64_t start, int64_t stop, int64_t step) : start_(start), stop_(stop), step_(step) {
    TANDEM_CHECK(step != 0, ValueError, "range: step must not be zero");
  }
  int64_t cardinality() const override {
    if (step_ > 0) return stop_ > start_ ? (stop_ - start_ + step_ - 1) / step_ : 0;
    return start_ > stop_ ? (start_ - stop_ - step_ - 1) / -step_ : 0;
  }
  std::unique_ptr<IteratorBase> make_iterator(const IteratorContext&) const override {
    class It : public IteratorBase {
     public:
      It(int64_t start, int64_t n, int64_t step) : value_(start), left_(n), step_(step) {}
      std::optional<Element> next() override {
        if (left_ <= 0) return std::nullopt;
        Tensor t = Tensor::from_vector<int64_t>({value_}, Shape{}, Device::cpu());
        value_ += step_;
        --left_;
        return Element(std::move(t));
      }

     private:
      int64_t value_, left_, step_;
    };
    return std::make_unique<It>(start_, cardinality(), step_);
  }

 private:
  int64_t start_, stop_, step_;
};

class GeneratorNode : public DatasetNode {
 public:
  explicit GeneratorNode(GeneratorFactory factory) : factory_(std::move(factory)) {}
  int64_t cardinality() const override { return UNKNOWN_CARDINALITY; }
  std::unique_ptr<IteratorBase> make_iterator(const IteratorContext&) const override {
    class It : public IteratorBase {
     public:
      explicit It(Generator g) : generator_(std::move(g)) {}
      std::optional<Element> next() override {
        if (done_) return std::nullopt;
        std::optional<Element> e;
        try {
          e = generator_();
        } catch (...) {
          rethrow_with_context(
              std::current_exception(),
              "from_generator: the generator failed on element " + std::to_string(index_));
        }
        ++index_;
        if (!e) done_ = true;
        return e;
      }

     private:
      Generator generator_;
      int64_t index_ = 0;
      bool done_ = false;
    };
    Generator g = factory_();
    TANDEM_CHECK(g != nullptr, ValueError, "from_generator_factory: the factory returned an empty ",
                 "generator");
    return std::make_unique<It>(std::move(g));
  }

 private:
  GeneratorFactory factory_;
};

}  // namespace

Shape row_shape(const Tensor& t) {
  return Shape(std::vector<int64_t>(t.shape().dims().begin() + 1, t.shape().dims().end()));
}

Tensor slice_row(const Tensor& t, int64_t i, const Shape& row) {
  size_t row_bytes = static_cast<size_t>(row.num_elements()) * dtype_size(t.dtype());
  return Tensor::from_storage(t.storage(), t.storage_offset() + static_cast<size_t>(i) * row_bytes,
                              row, t.dtype());
}

Tensor slice_row(const Tensor& t, int64_t i) { return slice_row(t, i, row_shape(t)); }

NodePtr make_tensor_slices_node(std::vector<Tensor> tensors, std::vector<std::string> names) {
  return std::make_shared<TensorSlicesNode>(std::move(tensors), std::move(names));
}

NodePtr make_tensors_node(Element element) {
  return std::make_shared<TensorsNode>(std::move(element));
}

NodePtr make_range_node(int64_t start, int64_t stop, int64_t step) {
  return std::make_shared<RangeNode>(start, stop, step);
}

NodePtr make_generator_node(GeneratorFactory factory) {
  return std::make_shared<GeneratorNode>(std::move(factory));
}

}  // namespace tandem::data::detail
