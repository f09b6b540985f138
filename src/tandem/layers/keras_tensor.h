// KerasTensor: a symbolic tensor of the functional API. It carries a shape whose batch (and other)
// dimensions may be unknown (-1, printed None), a dtype, and the layer call that produced it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tandem/core/dtype.h"
#include "tandem/core/shape.h"

namespace tandem {

class Layer;
class KerasTensor;

// One call of a layer on symbolic inputs: the edge list of a functional graph.
struct Node {
  std::shared_ptr<Layer> layer;
  std::vector<KerasTensor> inputs;  // empty for an InputLayer
  std::vector<Shape> output_shapes;
  int node_index = 0;  // which call of `layer` this is (Keras's "dense[1][0]" middle index)
};

class KerasTensor {
 public:
  KerasTensor() = default;
  KerasTensor(Shape shape, DType dtype, std::shared_ptr<Node> node, int index)
      : shape_(std::move(shape)), dtype_(dtype), node_(std::move(node)), index_(index) {}

  const Shape& shape() const { return shape_; }
  DType dtype() const { return dtype_; }
  // The layer call that produced this tensor and which of its outputs it is.
  const std::shared_ptr<Node>& node() const { return node_; }
  int index() const { return index_; }
  bool defined() const { return node_ != nullptr; }

 private:
  Shape shape_;
  DType dtype_ = DType::kFloat32;
  std::shared_ptr<Node> node_;
  int index_ = 0;
};

// The outputs of a layer call on several symbolic inputs; converts to a single KerasTensor when
// there is exactly one, so `KerasTensor y = concat({a, b});` reads as in Keras.
class KerasTensors : public std::vector<KerasTensor> {
 public:
  using std::vector<KerasTensor>::vector;
  KerasTensors(std::vector<KerasTensor> v) : std::vector<KerasTensor>(std::move(v)) {}  // NOLINT
  operator KerasTensor() const;  // NOLINT: ValueError unless size() == 1
};

}  // namespace tandem
