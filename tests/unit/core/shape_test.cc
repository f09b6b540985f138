#include "tandem/core/shape.h"

#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <sstream>

#include "tandem/core/error.h"

namespace tandem {
namespace {

TEST(Shape, ToStringLikeTensorShapeRepr) {
  EXPECT_EQ(Shape({2, 3}).to_string(), "(2, 3)");
  EXPECT_EQ(Shape({3}).to_string(), "(3,)");
  EXPECT_EQ(Shape().to_string(), "()");
  EXPECT_EQ(Shape({Shape::kUnknown, 784}).to_string(), "(None, 784)");
  EXPECT_EQ(Shape({0}).to_string(), "(0,)");
  std::ostringstream os;
  os << Shape({4, 5, 6});
  EXPECT_EQ(os.str(), "(4, 5, 6)");
}

TEST(Shape, ListStringAsInTensorFlowErrors) {
  EXPECT_EQ(Shape({2, 3}).to_list_string(), "[2,3]");
  EXPECT_EQ(Shape({Shape::kUnknown, 3}).to_list_string(), "[?,3]");
  EXPECT_EQ(Shape().to_list_string(), "[]");
}

TEST(Shape, NumElements) {
  EXPECT_EQ(Shape({2, 3, 4}).num_elements(), 24);
  EXPECT_EQ(Shape().num_elements(), 1);
  EXPECT_EQ(Shape({5, 0, 3}).num_elements(), 0);
  try {
    Shape({Shape::kUnknown, 3}).num_elements();
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("shape (None, 3) has unknown dimensions"),
              std::string::npos)
        << e.what();
  }
}

TEST(Shape, DimensionsWithNegativeIndices) {
  Shape s({2, 3, 4});
  EXPECT_EQ(s.rank(), 3);
  EXPECT_EQ(s.dim(0), 2);
  EXPECT_EQ(s.dim(-1), 4);
  EXPECT_EQ(s.dim(-3), 2);
  EXPECT_EQ(s[1], 3);
  try {
    s.dim(3);
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(
        std::string(e.what()).find(
            "dimension index 3 is out of range for shape (2, 3, 4) (expected -3 <= index < 3)"),
        std::string::npos)
        << e.what();
  }
  EXPECT_THROW(s.dim(-4), ValueError);
}

TEST(Shape, RowMajorStrides) {
  EXPECT_EQ(Shape({2, 3, 4}).strides(), (std::vector<int64_t>{12, 4, 1}));
  EXPECT_EQ(Shape({5}).strides(), (std::vector<int64_t>{1}));
  EXPECT_TRUE(Shape().strides().empty());
}

TEST(Shape, EqualityAndDefinedness) {
  EXPECT_EQ(Shape({2, 3}), Shape(std::vector<int64_t>{2, 3}));
  EXPECT_NE(Shape({2, 3}), Shape({3, 2}));
  EXPECT_NE(Shape({1}), Shape());
  EXPECT_TRUE(Shape({2, 3}).is_fully_defined());
  EXPECT_TRUE(Shape().is_fully_defined());
  EXPECT_FALSE(Shape({Shape::kUnknown, 3}).is_fully_defined());
  Shape s({1, 2});
  s[0] = 7;
  EXPECT_EQ(s.as_list(), (std::vector<int64_t>{7, 2}));
}

// Up to six dimensions live inside the Shape, more on the heap: copies, moves and assignments
// between the two kinds keep the values and own their storage (ASan would see a double free).
TEST(Shape, InlineAndHeapShapesCopyMoveAndAssign) {
  const std::vector<int64_t> eight = {1, 2, 3, 4, 5, 6, 7, 8};
  Shape big(eight), small({9, 8});
  Shape big_copy = big;
  EXPECT_EQ(big_copy.as_list(), eight);
  big_copy[7] = 80;
  EXPECT_EQ(big[7], 8) << "a copy owns its own heap dimensions";
  Shape moved = std::move(big_copy);
  EXPECT_EQ(moved[7], 80);
  EXPECT_EQ(moved.rank(), 8);
  small = moved;  // inline <- heap
  EXPECT_EQ(small, moved);
  moved = Shape({4});  // heap <- inline
  EXPECT_EQ(moved.as_list(), (std::vector<int64_t>{4}));
  big = std::move(small);  // heap <- heap
  EXPECT_EQ(big.rank(), 8);
  EXPECT_EQ(big.num_elements(), 40320 / 8 * 80);
  std::span<const int64_t> view = big.dims();
  EXPECT_EQ(std::vector<int64_t>(view.begin(), view.end()), big.as_list());
  EXPECT_EQ(Shape(view), big);
  EXPECT_EQ(big.to_list_string(), "[1,2,3,4,5,6,7,80]");
}

// The element count is checked for overflow: a shape whose product does not fit in int64 is a
// ValueError naming it, not a tensor of 0 bytes that later kernels read past.
TEST(Shape, NumElementsOverflowIsAValueErrorNamingTheShape) {
  Shape huge({int64_t{1} << 62, 8});
  try {
    huge.num_elements();
    ADD_FAILURE() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("(4611686018427387904, 8)"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("does not fit in int64"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Shape({int64_t{1} << 32, int64_t{1} << 32}).num_elements(), ValueError);
  EXPECT_FALSE(huge.try_num_elements().has_value());
  EXPECT_FALSE(Shape({Shape::kUnknown, 3}).try_num_elements().has_value());
  // The largest product that fits is fine; a zero dimension makes any product 0.
  EXPECT_EQ(Shape({int64_t{1} << 62, 1}).num_elements(), int64_t{1} << 62);
  EXPECT_EQ(Shape({std::numeric_limits<int64_t>::max()}).num_elements(),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(Shape({int64_t{1} << 62, 8, 0}).num_elements(), 0);
  EXPECT_EQ(Shape({int64_t{1} << 62, 8, 0}).try_num_elements(), std::optional<int64_t>(0));
  EXPECT_EQ(Shape({3, 4}).try_num_elements(), std::optional<int64_t>(12));
}

}  // namespace
}  // namespace tandem
