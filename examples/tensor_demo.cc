// The main job for now: a short tour of tensors, ops and GradientTape.
// (Later the README's main command trains a Fashion-MNIST model.)
#include <tandem/tandem.h>

#include <iostream>

int main() {
  using namespace tandem;

  Tensor a = constant({{1.0f, 2.0f}, {3.0f, 4.0f}});
  Tensor b = ones(Shape{2, 2});
  std::cout << "a =\n" << a << "\n";
  std::cout << "a + b =\n" << a + b << "\n";
  std::cout << "reduce_sum(a, axis=0) = " << reduce_sum(a, {.axis = std::vector<int64_t>{0}})
            << "\n";

  // No implicit dtype promotion, as in TensorFlow.
  try {
    Tensor bad = a + constant({{1, 2}, {3, 4}});
  } catch (const TypeError& e) {
    std::cout << "float32 + int32 -> TypeError: " << e.what() << "\n";
  }

  // GradientTape: fit y = 2x + 1 with two variables.
  Tensor x = constant({0.0f, 1.0f, 2.0f, 3.0f, 4.0f});
  Tensor y = 2.0 * x + 1.0;
  Variable w(constant(0.0f), {.name = "w"});
  Variable c(constant(0.0f), {.name = "c"});
  for (int step = 1; step <= 300; ++step) {
    GradientTape tape;
    Tensor loss = reduce_mean(square(w * x + c - y));
    auto grads = tape.gradient(loss, std::vector<Variable>{w, c});
    w.assign_sub(*grads[0] * 0.05);
    c.assign_sub(*grads[1] * 0.05);
    if (step % 100 == 0) std::cout << "step " << step << " loss " << loss.item<float>() << "\n";
  }
  std::cout << "learned w = " << w.value().item<float>() << ", c = " << c.value().item<float>()
            << " (true 2, 1)\n";

  // Second derivative with nested tapes: d2/dx2 x^3 = 6x.
  Tensor t = constant(2.0f);
  GradientTape outer;
  outer.watch(t);
  Tensor dy;
  {
    GradientTape inner;
    inner.watch(t);
    dy = *inner.gradient(t * t * t, t);
  }
  std::cout << "d/dx x^3 at 2 = " << dy.item<float>()
            << ", d2/dx2 = " << outer.gradient(dy, t)->item<float>() << "\n";
  std::cout << config::describe() << "\n";
  return 0;
}
