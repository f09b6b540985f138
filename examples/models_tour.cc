// The three ways to build a Keras model in Tandem, each built, summarised, called and
// differentiated: a Sequential MLP, a functional wide & deep model with two inputs and two outputs,
// and a subclassed residual regressor that reuses one block four times (docs/models.md explains
// each).
#include <tandem/tandem.h>

#include <iostream>

using namespace tandem;
using namespace tandem::layers;

namespace {

// x + W2 relu(W1 x)
class ResidualBlock : public Layer {
 public:
  explicit ResidualBlock(int64_t width) : Layer("ResidualBlock", {}) {
    hidden_ = track("hidden", std::make_shared<Dense>(width, DenseOptions{.activation = "relu"}));
    out_ = track("out", std::make_shared<Dense>(width));
  }

 protected:
  Tensors call(const Tensors& inputs, const CallContext&) override {
    return {inputs[0] + (*out_)((*hidden_)(inputs[0]))};
  }

 private:
  std::shared_ptr<Dense> hidden_, out_;
};

class ResidualRegressor : public Model {
 public:
  ResidualRegressor() : Model("ResidualRegressor", {}) {
    proj_ = track("proj", std::make_shared<Dense>(8));
    block_ = track("block", std::make_shared<ResidualBlock>(8));
    head_ = track("head", std::make_shared<Dense>(1));
  }

 protected:
  Tensors call(const Tensors& inputs, const CallContext&) override {
    Tensor h = (*proj_)(inputs[0]);
    for (int i = 0; i < 4; ++i) h = (*block_)(h);
    return {(*head_)(h)};
  }

 private:
  std::shared_ptr<Dense> proj_, head_;
  std::shared_ptr<ResidualBlock> block_;
};

// Gradients of the sum of all outputs: proof that every weight is connected.
void differentiate(Layer& model, const Tensors& inputs) {
  GradientTape tape;
  Tensor y = zeros(Shape{});
  for (const Tensor& out : model(inputs)) y = y + reduce_sum(out);
  auto grads = tape.gradient(y, model.trainable_weights());
  int connected = 0;
  for (const auto& g : grads) connected += g.has_value();
  std::cout << "  gradients for " << connected << "/" << grads.size() << " trainable weights\n\n";
}

}  // namespace

int main() {
  // 1. Sequential: Dense 256-128-64-32-10 on 784 inputs (Keras counts 244,522 parameters).
  auto mlp = std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      std::make_shared<Dense>(
          256, DenseOptions{.activation = "relu", .layer = {.input_shape = Shape{784}}}),
      std::make_shared<Dense>(128, DenseOptions{.activation = "relu"}),
      std::make_shared<Dense>(64, DenseOptions{.activation = "relu"}),
      std::make_shared<Dense>(32, DenseOptions{.activation = "relu"}),
      std::make_shared<Dense>(10, DenseOptions{.activation = "softmax"})});
  mlp->summary();
  Tensor images = random_uniform(Shape{4, 784}, {.seed = 1});
  std::cout << "  predictions " << (*mlp)(images).shape() << "\n";
  differentiate(*mlp, {images});

  // 1b. Sequential CNN: Conv2D-MaxPool-Conv2D-MaxPool-Flatten-Dense (Keras counts 34,826).
  auto cnn = std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      std::make_shared<Conv2D>(
          32, 3,
          layers::Conv2DOptions{.activation = "relu", .layer = {.input_shape = Shape{28, 28, 1}}}),
      std::make_shared<MaxPooling2D>(),
      std::make_shared<Conv2D>(64, 3, layers::Conv2DOptions{.activation = "relu"}),
      std::make_shared<MaxPooling2D>(), std::make_shared<Flatten>(),
      std::make_shared<Dense>(10, DenseOptions{.activation = "softmax"})});
  cnn->summary();
  Tensor batch = random_uniform(Shape{2, 28, 28, 1}, {.seed = 5});
  std::cout << "  predictions " << (*cnn)(batch).shape() << "\n";
  differentiate(*cnn, {batch});

  // 2. Functional: wide & deep with an auxiliary output.
  KerasTensor wide = Input(Shape{5}, {.name = "wide_input"});
  KerasTensor deep = Input(Shape{6}, {.name = "deep_input"});
  KerasTensor h1 = (*std::make_shared<Dense>(30, DenseOptions{.activation = "relu"}))(deep);
  KerasTensor h2 = (*std::make_shared<Dense>(30, DenseOptions{.activation = "relu"}))(h1);
  KerasTensor merged = concatenate({wide, h2});
  KerasTensor main_out =
      (*std::make_shared<Dense>(1, DenseOptions{.layer = {.name = "main_output"}}))(merged);
  KerasTensor aux_out =
      (*std::make_shared<Dense>(1, DenseOptions{.layer = {.name = "aux_output"}}))(h2);
  auto wide_deep = make_model({wide, deep}, {main_out, aux_out}, "wide_deep");
  wide_deep->summary();
  Tensors xs = {random_normal(Shape{4, 5}, {.seed = 2}), random_normal(Shape{4, 6}, {.seed = 3})};
  Tensors outs = (*wide_deep)(xs);
  std::cout << "  main " << outs[0].shape() << ", aux " << outs[1].shape() << "\n";
  differentiate(*wide_deep, xs);

  // 3. Subclassed: a loop over one residual block.
  auto regressor = std::make_shared<ResidualRegressor>();
  Tensor x = random_normal(Shape{16, 3}, {.seed = 4});
  (*regressor)(x);
  regressor->summary();
  differentiate(*regressor, {x});

  // 4. Transfer: freeze the trained MLP's first layers and put a new head on them.
  auto base = std::make_shared<Sequential>(
      std::vector<std::shared_ptr<Layer>>{mlp->get_layer(0), mlp->get_layer(1)});
  base->set_trainable(false);
  KerasTensor in = Input(Shape{784});
  auto transfer = make_model({in}, {(*std::make_shared<Dense>(3))((*base)(in))}, "transfer");
  transfer->summary();
  differentiate(*transfer, {images});
  return 0;
}
