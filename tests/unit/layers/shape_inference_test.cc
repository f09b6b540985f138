// Output-shape arithmetic with unknown dimensions: Keras's conv_output_length and merge rules.
#include "tandem/layers/shape_inference.h"

#include <gtest/gtest.h>

#include <vector>

#include "testing/assertions.h"

namespace tandem::layers {
namespace {

using testing::expect_error;

TEST(ShapeInference, ConvOutputLengthFollowsKerasFormulas) {
  // valid: ceil((in - dilated + 1) / stride), dilated = (window - 1) * dilation + 1.
  EXPECT_EQ(conv_output_length("Conv2D", "height", 28, 3, 1, 1, "valid"), 26);
  EXPECT_EQ(conv_output_length("Conv2D", "height", 28, 3, 2, 1, "valid"), 13);
  EXPECT_EQ(conv_output_length("Conv2D", "height", 10, 3, 1, 2, "valid"), 6);
  // same: ceil(in / stride), whatever the window.
  EXPECT_EQ(conv_output_length("Conv2D", "height", 28, 3, 1, 1, "same"), 28);
  EXPECT_EQ(conv_output_length("Conv2D", "height", 7, 5, 2, 1, "same"), 4);
  // Pooling: window 2, stride 2.
  EXPECT_EQ(conv_output_length("MaxPooling2D", "width", 7, 2, 2, 1, "valid"), 3);
  // Unknown stays unknown.
  EXPECT_EQ(conv_output_length("Conv2D", "height", -1, 3, 2, 1, "valid"), -1);
  EXPECT_EQ(conv_output_length("Conv2D", "height", -1, 3, 1, 1, "same"), -1);
  expect_error<ValueError>([] { conv_output_length("Conv2D", "width", 2, 3, 1, 1, "valid"); },
                           "Conv2D: the width of the input (2) is smaller than the window (3)");
}

TEST(ShapeInference, ProductIsUnknownWhenAFactorIs) {
  std::vector<int64_t> known = {2, 3, 4}, partial = {2, -1, 4}, none = {};
  EXPECT_EQ(product_or_unknown(known), 24);
  EXPECT_EQ(product_or_unknown(partial), -1);
  EXPECT_EQ(product_or_unknown(none), 1);
}

TEST(ShapeInference, MergeDimTakesTheKnownSize) {
  EXPECT_EQ(merge_dim(-1, 4), 4);
  EXPECT_EQ(merge_dim(4, -1), 4);
  EXPECT_EQ(merge_dim(-1, -1), -1);
  EXPECT_EQ(merge_dim(3, 3), 3);
  EXPECT_FALSE(merge_dim(3, 4).has_value());
}

TEST(ShapeInference, BroadcastKeepsUnknownOnlyWhereItCouldBeAnything) {
  EXPECT_EQ(broadcast_dims(Shape{-1, 3}, Shape{-1, 3}), (Shape{-1, 3}));
  EXPECT_EQ(broadcast_dims(Shape{-1, 3}, Shape{3}), (Shape{-1, 3}));
  EXPECT_EQ(broadcast_dims(Shape{-1, 1}, Shape{4, 5}), (Shape{4, 5}));
  // An unknown size against 1 could be anything; against 5 it must be 1 or 5: the output is 5.
  EXPECT_EQ(broadcast_dims(Shape{-1}, Shape{1}), (Shape{-1}));
  EXPECT_EQ(broadcast_dims(Shape{-1}, Shape{5}), (Shape{5}));
  EXPECT_EQ(broadcast_dims(Shape{2, 1}, Shape{1, 3}), (Shape{2, 3}));
  EXPECT_FALSE(broadcast_dims(Shape{2, 3}, Shape{4, 3}).has_value());
}

}  // namespace
}  // namespace tandem::layers
