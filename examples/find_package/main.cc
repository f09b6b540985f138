// Fits y = 3x - 1 by gradient descent, using only the installed Tandem package.
#include <tandem/tandem.h>

#include <cstdio>

int main() {
  using namespace tandem;
  Tensor x = constant({0.0f, 1.0f, 2.0f, 3.0f});
  Tensor y = 3.0 * x - 1.0;
  Variable w(constant(0.0f), {.name = "w"});
  Variable b(constant(0.0f), {.name = "b"});
  for (int step = 0; step < 500; ++step) {
    GradientTape tape;
    Tensor loss = reduce_mean(square(w * x + b - y));
    auto grads = tape.gradient(loss, std::vector<Variable>{w, b});
    w.assign_sub(*grads[0] * 0.05);
    b.assign_sub(*grads[1] * 0.05);
  }
  std::printf("w=%.3f b=%.3f\n", w.value().item<float>(), b.value().item<float>());
  bool ok = std::abs(w.value().item<float>() - 3.0f) < 1e-2 &&
            std::abs(b.value().item<float>() + 1.0f) < 1e-2;
  return ok ? 0 : 1;
}
