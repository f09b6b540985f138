// The conformance check every built-in layer passes (DESIGN section 6): build, output shapes
// (compute_output_shape against real calls, unknown dimensions staying unknown), config round trip
// through the registry, training vs inference, gradients through the layer, and a bad-input error.
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
  // The layer does not define compute_output_shape (a Lambda without output_shape): its shapes
  // come from a call on placeholders, where only an unknown batch can stay unknown, so the check
  // that every unknown input dimension stays unknown is skipped.
  bool shapes_by_call = false;
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

inline std::vector<Shape> shapes_of(const std::vector<Tensor>& tensors) {
  std::vector<Shape> shapes;
  for (const Tensor& t : tensors) shapes.push_back(t.shape());
  return shapes;
}

// Makes each input dimension unknown (-1) in turn: every output dimension compute_output_shape
// gives is then either the real output's or unknown, and unknown wherever the real output changes
// with that input dimension (probed by calling the layer on zeros with the dimension grown, when
// the layer accepts that), so no size of a placeholder leaks into an inferred shape.
inline void check_unknown_dimensions_stay_unknown(Layer& layer, const std::vector<Tensor>& inputs,
                                                  const Tensors& out) {
  const std::vector<Shape> known = shapes_of(inputs);
  for (size_t i = 0; i < inputs.size(); ++i) {
    for (int d = 0; d < known[i].rank(); ++d) {
      std::vector<Shape> partial = known;
      partial[i][d] = Shape::kUnknown;
      std::string where = "input " + std::to_string(i) + " dimension " + std::to_string(d) +
                          " unknown: " + partial[i].to_string();
      std::vector<Shape> inferred;
      try {
        inferred = layer.compute_output_shape(partial);
      } catch (const Error& e) {
        ADD_FAILURE() << where << ": compute_output_shape threw " << e.what();
        continue;
      }
      std::vector<Tensor> grown = inputs;
      Shape bigger = known[i];
      bigger[d] += 3;
      grown[i] = zeros(bigger, inputs[i].dtype());
      std::optional<Tensors> grown_out;
      try {
        grown_out = call_layer(layer, grown, false);
      } catch (const Error&) {
        // The layer needs this dimension as built (Dense's features, a Concatenate partner).
      }
      ASSERT_EQ(inferred.size(), out.size()) << where;
      for (size_t k = 0; k < out.size(); ++k) {
        ASSERT_EQ(inferred[k].rank(), out[k].rank()) << where << ", output " << k;
        for (int j = 0; j < out[k].rank(); ++j) {
          int64_t dim = inferred[k][j];
          EXPECT_TRUE(dim == Shape::kUnknown || dim == out[k].shape()[j])
              << where << ": output " << k << " is " << inferred[k].to_string() << ", real "
              << out[k].shape().to_string();
          if (grown_out && (*grown_out)[k].shape()[j] != out[k].shape()[j]) {
            EXPECT_EQ(dim, Shape::kUnknown)
                << where << ": output " << k << " dimension " << j << " depends on it, but "
                << "compute_output_shape gives " << inferred[k].to_string();
          }
        }
      }
    }
  }
}

inline void check_layer_conformance(const LayerCase& c) {
  // 1. A symbolic call builds the layer; its output shapes and dtypes agree with a real call, and
  //    compute_output_shape of the real input shapes is exactly the real output shapes.
  std::shared_ptr<Layer> layer = c.make();
  EXPECT_FALSE(layer->built());
  std::vector<DType> dtypes;
  for (const Tensor& t : c.inputs) dtypes.push_back(t.dtype());
  std::vector<OutputSpec> specs = layer->infer_output_spec(with_unknown_batch(c.inputs), dtypes);
  EXPECT_TRUE(layer->built());
  std::vector<Shape> symbolic;
  for (const OutputSpec& spec : specs) symbolic.push_back(spec.shape);
  if (!c.expected_output_shapes.empty()) {
    EXPECT_EQ(symbolic, c.expected_output_shapes);
  }
  Tensors out = call_layer(*layer, c.inputs, false);
  ASSERT_EQ(out.size(), symbolic.size());
  for (size_t i = 0; i < out.size(); ++i) {
    ASSERT_EQ(out[i].rank(), symbolic[i].rank()) << "output " << i;
    if (out[i].rank() > 0) {
      EXPECT_EQ(symbolic[i][0], Shape::kUnknown) << "output " << i << ": the batch stays unknown";
    }
    for (int d = 0; d < out[i].rank(); ++d)
      if (symbolic[i][d] >= 0) {
        EXPECT_EQ(out[i].shape()[d], symbolic[i][d]) << "output " << i;
      }
    EXPECT_EQ(specs[i].dtype, out[i].dtype()) << "output " << i;
  }
  std::vector<Shape> exact = layer->compute_output_shape(shapes_of(c.inputs));
  ASSERT_EQ(exact.size(), out.size());
  for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(exact[i], out[i].shape()) << "output " << i;

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

  // 6. Unknown input dimensions stay unknown where the output depends on them.
  if (!c.shapes_by_call) check_unknown_dimensions_stay_unknown(*layer, c.inputs, out);
}

}  // namespace tandem::testing
