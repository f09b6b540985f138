// CallbackList and the loops: every hook in Keras's order, with the logs Keras passes.
#include "tandem/training/callbacks/callback_list.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "testing/assertions.h"
#include "training/callbacks/fit_fixtures.h"

namespace tandem {
namespace {

using testing::expect_error;

// Appends "<name>hook [index] [key,key...]" for every hook call to a shared list.
class Recorder : public Callback {
 public:
  explicit Recorder(std::vector<std::string>& calls, std::string name = "")
      : calls_(calls), name_(std::move(name)) {}

  void on_train_begin(Logs& logs) override { add("train_begin", -1, logs); }
  void on_train_end(Logs& logs) override { add("train_end", -1, logs); }
  void on_epoch_begin(int epoch, Logs& logs) override { add("epoch_begin", epoch, logs); }
  void on_epoch_end(int epoch, Logs& logs) override { add("epoch_end", epoch, logs); }
  void on_train_batch_begin(int64_t b, Logs& logs) override { add("train_batch_begin", b, logs); }
  void on_train_batch_end(int64_t b, Logs& logs) override { add("train_batch_end", b, logs); }
  void on_test_begin(Logs& logs) override { add("test_begin", -1, logs); }
  void on_test_end(Logs& logs) override { add("test_end", -1, logs); }
  void on_test_batch_begin(int64_t b, Logs& logs) override { add("test_batch_begin", b, logs); }
  void on_test_batch_end(int64_t b, Logs& logs) override { add("test_batch_end", b, logs); }
  void on_predict_begin(Logs& logs) override { add("predict_begin", -1, logs); }
  void on_predict_end(Logs& logs) override { add("predict_end", -1, logs); }
  void on_predict_batch_begin(int64_t b, Logs& logs) override {
    add("predict_batch_begin", b, logs);
  }
  void on_predict_batch_end(int64_t b, Logs& logs) override { add("predict_batch_end", b, logs); }

 private:
  void add(const std::string& hook, int64_t index, const Logs& logs) {
    std::ostringstream call;
    call << name_ << hook;
    if (index >= 0) call << ' ' << index;
    for (size_t i = 0; i < logs.size(); ++i) {
      call << (i == 0 ? " [" : ",") << logs.items()[i].first << (i + 1 == logs.size() ? "]" : "");
    }
    calls_.push_back(call.str());
  }
  std::vector<std::string>& calls_;
  std::string name_;
};

using Calls = std::vector<std::string>;

TEST(CallbackList, FitWithValidationCallsEveryHookInKerasOrder) {
  clear_session();
  auto [x, y] = testing::linear_data(16);
  auto [vx, vy] = testing::linear_data(12, 2);
  auto model = testing::linear_model(0.05, {"mae"});
  Calls calls;
  auto recorder = std::make_shared<Recorder>(calls);
  model->fit(x, y,
             {.batch_size = 8,
              .epochs = 2,
              .verbose = 0,
              .callbacks = {recorder},
              .validation_data = ValidationData(vx, vy),
              .validation_batch_size = 6});
  Calls expected = {"train_begin"};
  for (int epoch = 0; epoch < 2; ++epoch) {
    std::string e = std::to_string(epoch);
    Calls one = {"epoch_begin " + e,
                 "train_batch_begin 0",
                 "train_batch_end 0 [loss,mae]",
                 "train_batch_begin 1",
                 "train_batch_end 1 [loss,mae]",
                 "test_begin",
                 "test_batch_begin 0",
                 "test_batch_end 0 [loss,mae]",
                 "test_batch_begin 1",
                 "test_batch_end 1 [loss,mae]",
                 "test_end [loss,mae]",
                 "epoch_end " + e + " [loss,mae,val_loss,val_mae]"};
    expected.insert(expected.end(), one.begin(), one.end());
  }
  expected.push_back("train_end [loss,mae,val_loss,val_mae]");
  EXPECT_EQ(calls, expected);
}

TEST(CallbackList, EvaluateAndPredictHooks) {
  clear_session();
  auto [x, y] = testing::linear_data(10);
  auto model = testing::linear_model();
  Calls calls;
  auto recorder = std::make_shared<Recorder>(calls);
  model->evaluate(x, y, {.batch_size = 4, .verbose = 0, .callbacks = {recorder}});
  EXPECT_EQ(calls, (Calls{"test_begin", "test_batch_begin 0", "test_batch_end 0 [loss]",
                          "test_batch_begin 1", "test_batch_end 1 [loss]", "test_batch_begin 2",
                          "test_batch_end 2 [loss]", "test_end [loss]"}));
  calls.clear();
  model->predict(x, {.batch_size = 5, .verbose = 0, .callbacks = {recorder}});
  EXPECT_EQ(calls, (Calls{"predict_begin", "predict_batch_begin 0", "predict_batch_end 0",
                          "predict_batch_begin 1", "predict_batch_end 1", "predict_end"}));
}

TEST(CallbackList, CallsCallbacksInListOrderAndSetsModelAndParams) {
  clear_session();
  auto model = testing::linear_model();
  Calls calls;
  auto a = std::make_shared<Recorder>(calls, "a:");
  auto b = std::make_shared<Recorder>(calls, "b:");
  CallbackList list({a, b}, *model, {.epochs = 7, .steps = 3, .verbose = 2});
  EXPECT_EQ(&a->model(), model.get());
  EXPECT_EQ(b->params().epochs, 7);
  EXPECT_EQ(b->params().steps, 3);
  EXPECT_EQ(b->params().verbose, 2);
  Logs logs{{"loss", 1.0}};
  list.on_epoch_begin(5, logs);
  list.on_train_batch_end(2, logs);
  list.on_predict_end(logs);
  EXPECT_EQ(calls,
            (Calls{"a:epoch_begin 5 [loss]", "b:epoch_begin 5 [loss]", "a:train_batch_end 2 [loss]",
                   "b:train_batch_end 2 [loss]", "a:predict_end [loss]", "b:predict_end [loss]"}));
}

TEST(CallbackList, LogsChangedByOneCallbackReachTheNext) {
  auto model = testing::linear_model();
  auto writer = std::make_shared<testing::ScriptedLogs>("val_loss", std::vector<double>{0.25});
  double seen = 0;
  class Reader : public Callback {
   public:
    explicit Reader(double& seen) : seen_(seen) {}
    void on_epoch_end(int, Logs& logs) override { seen_ = logs.at("val_loss"); }
    double& seen_;
  };
  CallbackList list({writer, std::make_shared<Reader>(seen)}, *model, {});
  Logs logs{{"loss", 1.0}};
  list.on_epoch_end(0, logs);
  EXPECT_EQ(seen, 0.25);
  EXPECT_EQ(logs.at("val_loss"), 0.25);
}

TEST(CallbackList, RejectsANullCallback) {
  auto model = testing::linear_model();
  expect_error<ValueError>([&] { CallbackList({nullptr}, *model, {}); }, "null");
}

}  // namespace
}  // namespace tandem
