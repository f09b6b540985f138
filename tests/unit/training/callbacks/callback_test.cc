// Callback: the base class users derive from. The test writes the custom callback of the issue:
// it prints the validation/training loss ratio every epoch and stops training past a threshold.
#include "tandem/training/callbacks/callback.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>

#include "testing/assertions.h"
#include "training/callbacks/fit_fixtures.h"

namespace tandem {
namespace {

using testing::expect_error;

// Prints "epoch 2: val/train loss ratio 1.07" and stops fit once the ratio exceeds `threshold`.
class LossRatioMonitor : public Callback {
 public:
  LossRatioMonitor(double threshold, std::ostream& out) : threshold_(threshold), out_(out) {}

  void on_epoch_end(int epoch, Logs& logs) override {
    double ratio = logs.at("val_loss") / logs.at("loss");
    char line[96];
    std::snprintf(line, sizeof line, "epoch %d: val/train loss ratio %.2f\n", epoch + 1, ratio);
    out_ << line;
    if (ratio > threshold_) model().set_stop_training(true);
  }

 private:
  double threshold_;
  std::ostream& out_;
};

TEST(Callback, LossRatioMonitorStopsWhenValidationDiverges) {
  clear_session();
  auto [x, y] = testing::linear_data(64);
  // Validation targets shifted by 1: as the model fits the training data its training loss
  // goes to 0 while the validation loss settles near 1, so the ratio grows without bound.
  Tensor y_val = y + 1.0;
  auto model = testing::linear_model(0.1);
  std::ostringstream out;
  const double threshold = 3.0;
  auto monitor = std::make_shared<LossRatioMonitor>(threshold, out);
  History h = model->fit(x, y,
                         {.batch_size = 16,
                          .epochs = 100,
                          .verbose = 0,
                          .callbacks = {monitor},
                          .validation_data = ValidationData(x, y_val),
                          .shuffle = false});
  size_t epochs = h.epoch().size();
  ASSERT_GT(epochs, 1u);
  ASSERT_LT(epochs, 100u);  // it stopped early
  std::string expected;
  for (size_t i = 0; i < epochs; ++i) {
    double ratio = h["val_loss"][i] / h["loss"][i];
    // Every epoch before the last was within the threshold; the last one crossed it.
    if (i + 1 < epochs) {
      EXPECT_LE(ratio, threshold) << "epoch " << i;
    } else {
      EXPECT_GT(ratio, threshold);
    }
    char line[96];
    std::snprintf(line, sizeof line, "epoch %zu: val/train loss ratio %.2f\n", i + 1, ratio);
    expected += line;
  }
  EXPECT_EQ(out.str(), expected);
  EXPECT_TRUE(model->stop_training());
}

TEST(Callback, ModelIsReachableOnlyWhenAttached) {
  LossRatioMonitor monitor(1.0, std::cout);
  EXPECT_FALSE(monitor.has_model());
  expect_error<ValueError>([&] { monitor.model(); }, "not attached to a model");
  auto model = testing::linear_model();
  monitor.set_model(model.get());
  EXPECT_TRUE(monitor.has_model());
  EXPECT_EQ(&monitor.model(), model.get());
  // Missing log entries are an error naming the keys present.
  Logs logs{{"loss", 1.0}};
  expect_error<ValueError>([&] { monitor.on_epoch_end(0, logs); }, "val_loss");
}

}  // namespace
}  // namespace tandem
