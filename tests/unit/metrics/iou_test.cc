// MeanIoU.
#include "tandem/metrics/iou.h"

#include <gtest/gtest.h>

#include "metrics/metric_testing.h"
#include "tandem/ops/creation.h"
#include "testing/assertions.h"

namespace tandem {
namespace {

using testing::expect_error;
using testing::expect_state_sums;
using testing::expect_values;

TEST(MeanIoU, KerasDocstring) {
  metrics::MeanIoU m(2);
  m.update_state(constant({0, 0, 1, 1}), constant({0, 1, 0, 1}));
  expect_values(m.result(), {1.0 / 3.0});
  metrics::MeanIoU w(2);
  w.update_state(constant({0, 0, 1, 1}), constant({0, 1, 0, 1}), constant({0.3, 0.3, 0.3, 0.1}));
  expect_values(w.result(), {(1.0 / 3.0 + 0.1 / 0.7) / 2.0});  // 0.23809525
  ASSERT_EQ(w.variables().size(), 1u);
  EXPECT_EQ(w.variables()[0].name(), "mean_io_u/total_confusion_matrix");
  EXPECT_EQ(w.variables()[0].dtype(), float64);
  expect_values(w.variables()[0], {0.3, 0.3, 0.3, 0.1});
}

TEST(MeanIoU, TwoBatchesAndReset) {
  metrics::MeanIoU m(3);
  m.update_state(constant({0, 0, 1, 1}), constant({0, 1, 0, 1}));
  m.update_state(constant({{2}, {2}}), constant({{2.0}, {0.0}}));
  // cm rows (true) [1,1,0], [1,1,0], [1,0,1]: IoU 1/4, 1/3, 1/2.
  expect_values(m.result(), {(0.25 + 1.0 / 3.0 + 0.5) / 3.0});
  m.reset_state();
  expect_values(m.result(), {0.0});
  m.update_state(constant({1}), constant({1}));  // only class 1 seen: classes 0 and 2 don't count
  expect_values(m.result(), {1.0});

  metrics::MeanIoU w(3);
  w.update_state(constant({0, 0, 1, 1}), constant({0, 1, 0, 1}), constant({1.0, 2.0, 1.0, 1.0}));
  w.update_state(constant({2, 2}), constant({2, 0}), constant({1.0, 0.0}));
  // cm rows [1,2,0], [1,1,0], [0,0,1]: IoU 1/(3+2-1), 1/(2+3-1), 1/1.
  expect_values(w.result(), {(0.25 + 0.25 + 1.0) / 3.0});
}

TEST(MeanIoU, OptionsAndErrors) {
  metrics::MeanIoU ignore(2, {.ignore_class = 0});
  ignore.update_state(constant({0, 0, 1, 1}), constant({0, 1, 0, 1}));
  expect_values(ignore.result(), {(0.0 + 0.5) / 2.0});

  metrics::MeanIoU dense(2, {.sparse_y_pred = false});
  dense.update_state(constant({0, 0, 1, 1}),
                     constant({{0.9, 0.1}, {0.2, 0.8}, {0.6, 0.4}, {0.3, 0.7}}));
  expect_values(dense.result(), {1.0 / 3.0});
  EXPECT_EQ(dense.get_config(), nlohmann::json::parse(R"({"name": "mean_io_u", "dtype": "float32",
      "num_classes": 2, "ignore_class": null, "sparse_y_true": true, "sparse_y_pred": false,
      "axis": -1})"));

  metrics::MeanIoU m(2);
  expect_error<ValueError>(
      [&] {
        m.update_state(constant({0, 2}), constant({0, 1}));
      },
      "y_true class ids in [0, 2)");
  expect_error<ValueError>([] { metrics::MeanIoU(0); }, "num_classes >= 1");
}

TEST(MeanIoU, StateIsASum) {
  expect_state_sums([] { return std::make_shared<metrics::MeanIoU>(3); },
                    [](metrics::Metric& m) {
                      m.update_state(constant({0, 1, 2}), constant({0, 2, 2}));
                    },
                    [](metrics::Metric& m) {
                      m.update_state(constant({1, 1}), constant({1, 0}), constant({2.0, 1.0}));
                    });
}

}  // namespace
}  // namespace tandem
