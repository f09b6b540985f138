// The conformance check every built-in layer passes (DESIGN section 6): build, output shapes,
// config round trip through the registry, training vs inference, gradients through the layer, and
// a bad-input error.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tandem/tandem.h"
#include "testing/assertions.h"
#include "testing/gradient_check.h"

namespace tandem::testing {

struct LayerCase {
  std::function<std::shared_ptr<Layer>()> make;  // a fresh, unbuilt layer
  std::vector<Tensor> inputs;                    // float64 inputs for value and gradient checks
  // Expected output shapes for inputs whose batch dimension is unknown (-1 = None).
  std::vector<Shape> expected_output_shapes = {};
  // An input the layer must reject, and a substring of the error it raises.
  std::optional<Tensor> bad_input = std::nullopt;
  std::string bad_input_error = "";
  bool stochastic_in_training = false;  // Dropout-like: training output differs from inference
  bool check_gradients = true;
};

inline std::vector<Shape> with_unknown_batch(const std::vector<Tensor>& inputs) {
  std::vector<Shape> shapes;
  for (const Tensor& t : inputs) {
    std::vector<int64_t> dims = t.shape().as_list();
    if (!dims.empty()) dims[0] = -1;
    shapes.push_back(Shape(dims));
  }
  return shapes;
}

inline Tensors call_layer(Layer& layer, const std::vector<Tensor>& inputs, bool training) {
  return layer(Tensors(inputs.begin(), inputs.end()), training);
}

inline void check_layer_conformance(const LayerCase& c) {
  // 1. Build on first call; symbolic output shapes agree with a real call.
  std::shared_ptr<Layer> layer = c.make();
  EXPECT_FALSE(layer->built());
  std::vector<Shape> symbolic = layer->compute_output_shape(with_unknown_batch(c.inputs));
  EXPECT_TRUE(layer->built());
  if (!c.expected_output_shapes.empty()) {
    EXPECT_EQ(symbolic, c.expected_output_shapes);
  }
  Tensors out = call_layer(*layer, c.inputs, false);
  ASSERT_EQ(out.size(), symbolic.size());
  for (size_t i = 0; i < out.size(); ++i) {
    ASSERT_EQ(out[i].rank(), symbolic[i].rank()) << "output " << i;
    for (int d = 0; d < out[i].rank(); ++d)
      if (symbolic[i][d] >= 0) {
        EXPECT_EQ(out[i].shape()[d], symbolic[i][d]) << "output " << i;
      }
  }

  // 2. Config round trip through the registry gives the same config and, with the same weights,
  //    the same outputs.
  json serialized = serialize_layer(*layer);
  std::shared_ptr<Layer> rebuilt = layer_from_config(serialized);
  EXPECT_EQ(serialize_layer(*rebuilt), serialized);
  Tensors rebuilt_out = call_layer(*rebuilt, c.inputs, false);
  rebuilt->set_weights(layer->get_weights());
  rebuilt_out = call_layer(*rebuilt, c.inputs, false);
  for (size_t i = 0; i < out.size(); ++i)
    expect_values(rebuilt_out[i], out[i].to_vector<double>(), 1e-9);

  // 3. Training vs inference.
  Tensors training_out = call_layer(*layer, c.inputs, true);
  if (!c.stochastic_in_training) {
    Tensors again = call_layer(*layer, c.inputs, false);
    for (size_t i = 0; i < out.size(); ++i)
      expect_values(again[i], out[i].to_vector<double>(), 1e-9);
  } else {
    bool differs = false;
    for (size_t i = 0; i < out.size(); ++i)
      differs |= out[i].to_vector<double>() != training_out[i].to_vector<double>();
    EXPECT_TRUE(differs) << "training output should differ from inference output";
  }

  // 4. Gradients with respect to the inputs and every trainable weight, checked numerically.
  if (c.check_gradients) {
    check_gradients([&](const std::vector<Tensor>& xs) { return call_layer(*layer, xs, false)[0]; },
                    c.inputs);
    for (Variable w : layer->trainable_weights()) {
      Tensor original = w.value();
      check_gradients(
          [&](const std::vector<Tensor>& ws) {
            w.assign(ws[0]);
            return call_layer(*layer, c.inputs, false)[0];
          },
          {original});
      w.assign(original);
    }
  }

  // 5. Bad input gives a clear error.
  if (c.bad_input) {
    try {
      call_layer(*layer, {*c.bad_input}, false);
      ADD_FAILURE() << "expected an error containing '" << c.bad_input_error << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(c.bad_input_error), std::string::npos) << e.what();
    }
  }
}

}  // namespace tandem::testing
