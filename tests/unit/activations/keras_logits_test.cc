// The softmax / sigmoid activations' remembered logits (Keras's _keras_logits): found by the
// output's identity and kind, and only for the last few outputs of the thread.
#include "tandem/activations/keras_logits.h"

#include <gtest/gtest.h>

#include <thread>

#include "tandem/tandem.h"
#include "testing/assertions.h"

namespace tandem::activations {
namespace {

TEST(KerasLogits, TheActivationsRememberTheirLogits) {
  Tensor x = constant({{1.0, 2.0}, {0.5, -1.0}});
  Tensor p = get("softmax")(x);
  std::optional<Tensor> logits = remembered_logits(p, LogitsOf::kSoftmax);
  ASSERT_TRUE(logits.has_value());
  EXPECT_EQ(logits->id(), x.id());
  EXPECT_FALSE(remembered_logits(p, LogitsOf::kSigmoid).has_value());
  Tensor s = get("sigmoid")(x);
  EXPECT_EQ(remembered_logits(s, LogitsOf::kSigmoid)->id(), x.id());
  // Another value, even an equal one, has no logits; nor the plain ops' outputs.
  EXPECT_FALSE(remembered_logits(softmax(x), LogitsOf::kSoftmax).has_value());
  EXPECT_FALSE(remembered_logits(p * 1.0, LogitsOf::kSoftmax).has_value());
  EXPECT_FALSE(remembered_logits(Tensor(), LogitsOf::kSoftmax).has_value());
}

TEST(KerasLogits, OnlyTheLastFewOutputsPerThread) {
  Tensor x = constant({1.0, 2.0});
  Tensor first = get("softmax")(x);
  for (int i = 0; i < 3; ++i) get("sigmoid")(x);
  EXPECT_TRUE(remembered_logits(first, LogitsOf::kSoftmax).has_value());
  get("sigmoid")(x);  // the fifth: the first is forgotten (its logits are no longer held)
  EXPECT_FALSE(remembered_logits(first, LogitsOf::kSoftmax).has_value());
  // Another thread has its own.
  Tensor p = get("softmax")(x);
  bool seen_elsewhere = true;
  std::thread([&] {
    seen_elsewhere = remembered_logits(p, LogitsOf::kSoftmax).has_value();
  }).join();
  EXPECT_FALSE(seen_elsewhere);
  EXPECT_TRUE(remembered_logits(p, LogitsOf::kSoftmax).has_value());
}

}  // namespace
}  // namespace tandem::activations
