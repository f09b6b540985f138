// LearningRateWarmup and scale_learning_rate, seen from one replica of four (a fake strategy):
// the rate rises linearly from target / 4 to the target over the warmup epochs, batch by batch,
// then stays; a schedule is refused.
#include "tandem/training/callbacks/learning_rate_warmup.h"

#include <gtest/gtest.h>

#include "tandem/tandem.h"
#include "testing/assertions.h"
#include "testing/fake_replica.h"
#include "training/callbacks/fit_fixtures.h"

namespace tandem {
namespace {

using testing::expect_error;
using testing::FakeReplica;

TEST(LearningRateWarmup, RisesLinearlyFromTheUnscaledRate) {
  auto scope = distributed::scope(std::make_shared<FakeReplica>(0, 4));
  EXPECT_DOUBLE_EQ(distributed::scale_learning_rate(0.1), 0.4);
  auto [x, y] = testing::linear_data(128);
  auto model = testing::linear_model(distributed::scale_learning_rate(0.1));
  std::vector<double> seen;
  auto record =
      std::make_shared<LambdaCallback>(LambdaCallbackOptions{.on_batch_begin = [&](int64_t, Logs&) {
        seen.push_back(model->optimizer()->learning_rate());
      }});
  // 16 batches of 8, every fourth for this replica: 4 steps per epoch.
  History h = model->fit(x, y,
                         {.batch_size = 8,
                          .epochs = 3,
                          .verbose = 0,
                          .callbacks = {std::make_shared<LearningRateWarmup>(2), record}});
  std::vector<double> expected;
  for (int step = 0; step < 8; ++step) expected.push_back(0.1 + 0.3 * step / 8.0);
  for (int step = 0; step < 4; ++step) expected.push_back(0.4);
  ASSERT_EQ(seen.size(), expected.size());
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_NEAR(seen[i], expected[i], 1e-12) << i;
  EXPECT_NEAR(h["lr"][1], 0.4, 1e-12);
}

TEST(LearningRateWarmup, RefusesASchedule) {
  auto [x, y] = testing::linear_data(16);
  auto model = testing::linear_model();
  model->compile(
      {.optimizer = std::make_shared<optimizers::SGD>(optimizers::SGDOptions{
           .learning_rate = std::make_shared<optimizers::ExponentialDecay>(0.1, 10, 0.9)}),
       .loss = "mse"});
  expect_error<TypeError>(
      [&] {
        model->fit(x, y, {.verbose = 0, .callbacks = {std::make_shared<LearningRateWarmup>(1)}});
      },
      "schedule");
  expect_error<ValueError>([] { LearningRateWarmup(0); }, "warmup_epochs > 0");
}

}  // namespace
}  // namespace tandem
