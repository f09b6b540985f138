// Dataset sources: from_tensor_slices, from_tensors, range, from_generator, zip, concatenate.
#include <gtest/gtest.h>

#include "data_test_util.h"
#include "tandem/ops/creation.h"
#include "testing/assertions.h"

namespace tandem::data {
namespace {

using tandem::testing::expect_error;
using tandem::testing::expect_values;
using testing::iota;
using testing::scalars;

TEST(FromTensorSlices, SlicesOneTensorAlongTheFirstDimension) {
  Tensor x = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, Shape{3, 2});
  Dataset ds = Dataset::from_tensor_slices(x);
  EXPECT_EQ(ds.cardinality(), 3);
  std::vector<Element> elems = ds.collect();
  ASSERT_EQ(elems.size(), 3u);
  EXPECT_EQ(elems[1].size(), 1u);
  EXPECT_EQ(elems[1][0].shape(), (Shape{2}));
  EXPECT_EQ(elems[1][0].dtype(), float32);
  expect_values(elems[1][0], {3, 4});
  expect_values(elems[2][0], {5, 6});
}

TEST(FromTensorSlices, TupleOfTensorsAndRangeForIteration) {
  Tensor x = Tensor::from_vector<int32_t>({10, 20, 30}, Shape{3});
  Tensor y = Tensor::from_vector<uint8_t>({1, 2, 3, 4, 5, 6}, Shape{3, 2});
  Dataset ds = Dataset::from_tensor_slices({x, y});
  std::vector<int64_t> xs;
  std::vector<std::vector<int>> ys;
  for (const auto& elem : ds) {
    Tensor a = elem[0];
    EXPECT_EQ(a.rank(), 0);
    xs.push_back(a.item<int64_t>());
    ys.push_back(elem[1].to_vector<int>());
  }
  EXPECT_EQ(xs, (std::vector<int64_t>{10, 20, 30}));
  EXPECT_EQ(ys, (std::vector<std::vector<int>>{{1, 2}, {3, 4}, {5, 6}}));
  // A second loop is a second epoch with the same elements.
  EXPECT_EQ(scalars(ds), (std::vector<int64_t>{10, 20, 30}));
}

TEST(FromTensorSlices, NameToTensorMapWithStrings) {
  Tensor names = Tensor({"ant", "bee"});
  Tensor ages = Tensor::from_vector<int64_t>({3, 4}, Shape{2});
  Dataset ds = Dataset::from_tensor_slices({{"name", names}, {"age", ages}});
  std::vector<Element> elems = ds.collect();
  ASSERT_EQ(elems.size(), 2u);
  EXPECT_TRUE(elems[0].is_map());
  EXPECT_EQ(elems[0]["name"].item<std::string>(), "ant");
  EXPECT_EQ(elems[1]["name"].item<std::string>(), "bee");
  EXPECT_EQ(elems[1]["age"].item<int64_t>(), 4);
  expect_error<ValueError>([&] { (void)elems[0]["height"]; }, "names [name, age]");
}

TEST(FromTensorSlices, MismatchedFirstDimensionsNameBothShapes) {
  Tensor x = tandem::zeros(Shape{3, 2});
  Tensor y = tandem::zeros(Shape{4});
  expect_error<ValueError>(
      [&] {
        Dataset::from_tensor_slices({x, y});
      },
      "component 0 has shape (3, 2), component 1 has shape (4,)");
  expect_error<ValueError>(
      [&] {
        Dataset::from_tensor_slices(std::map<std::string, Tensor>{{"b", y}, {"a", x}});
      },
      "component 'a' has shape (3, 2), component 'b' has shape (4,)");
  expect_error<ValueError>([&] { Dataset::from_tensor_slices(Tensor(1.0f)); }, "scalar");
}

TEST(FromTensors, YieldsTheWholeElementOnce) {
  Dataset ds = Dataset::from_tensors(Element{Tensor({1, 2, 3})});
  EXPECT_EQ(ds.cardinality(), 1);
  std::vector<Element> elems = ds.collect();
  ASSERT_EQ(elems.size(), 1u);
  expect_values(elems[0][0], {1, 2, 3});
}

TEST(Range, StartStopStepAndCardinality) {
  EXPECT_EQ(scalars(Dataset::range(5)), iota(0, 5));
  EXPECT_EQ(scalars(Dataset::range(2, 9, 3)), (std::vector<int64_t>{2, 5, 8}));
  EXPECT_EQ(scalars(Dataset::range(5, 0, -2)), (std::vector<int64_t>{5, 3, 1}));
  EXPECT_EQ(Dataset::range(2, 9, 3).cardinality(), 3);
  EXPECT_EQ(Dataset::range(5, 0, -2).cardinality(), 3);
  EXPECT_EQ(Dataset::range(3, 3).cardinality(), 0);
  EXPECT_TRUE(scalars(Dataset::range(3, 1)).empty());
  EXPECT_EQ(Dataset::range(3).collect()[0][0].dtype(), int64);
  expect_error<ValueError>([] { Dataset::range(0, 5, 0); }, "step must not be zero");
}

TEST(FromGenerator, PlainGeneratorContinuesAcrossIterations) {
  int next = 0;
  Dataset ds = Dataset::from_generator([&next]() -> std::optional<Element> {
    if (next >= 3) return std::nullopt;
    return Element(Tensor::from_vector<int64_t>({next++}, Shape{}));
  });
  EXPECT_EQ(ds.cardinality(), UNKNOWN_CARDINALITY);
  EXPECT_EQ(scalars(ds), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_TRUE(scalars(ds).empty());  // the shared generator is exhausted
}

TEST(FromGenerator, FactoryRestartsEveryIteration) {
  Dataset ds = Dataset::from_generator_factory([] {
    auto i = std::make_shared<int64_t>(0);
    return Generator([i]() -> std::optional<Element> {
      if (*i >= 3) return std::nullopt;
      return Element(Tensor::from_vector<int64_t>({10 * (*i)++}, Shape{}));
    });
  });
  EXPECT_EQ(scalars(ds), (std::vector<int64_t>{0, 10, 20}));
  EXPECT_EQ(scalars(ds), (std::vector<int64_t>{0, 10, 20}));
}

TEST(FromGenerator, ErrorNamesTheElementIndex) {
  int calls = 0;
  Dataset ds = Dataset::from_generator([&calls]() -> std::optional<Element> {
    TANDEM_CHECK(calls < 2, ValueError, "no more data");
    return Element(Tensor::from_vector<int64_t>({calls++}, Shape{}));
  });
  expect_error<ValueError>([&] { ds.collect(); },
                           "from_generator: the generator failed on element 2: no more data");
}

TEST(Zip, CombinesComponentsAndEndsWithTheShortest) {
  Dataset a = Dataset::range(5);
  Dataset b = Dataset::range(10, 13);
  Dataset z = Dataset::zip({a, b});
  EXPECT_EQ(z.cardinality(), 3);
  EXPECT_EQ(scalars(z, 0), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(scalars(z, 1), (std::vector<int64_t>{10, 11, 12}));
  EXPECT_EQ(Dataset::zip({a, b.repeat()}).cardinality(), 5);
}

TEST(Zip, MergesMapsAndRejectsMixingWithTuples) {
  Dataset a = Dataset::from_tensor_slices(std::map<std::string, Tensor>{{"x", Tensor({1, 2})}});
  Dataset b = Dataset::from_tensor_slices(std::map<std::string, Tensor>{{"y", Tensor({3, 4})}});
  std::vector<Element> elems = Dataset::zip({a, b}).collect();
  ASSERT_EQ(elems.size(), 2u);
  EXPECT_EQ(elems[1]["x"].item<int>(), 2);
  EXPECT_EQ(elems[1]["y"].item<int>(), 4);
  expect_error<ValueError>([&] { Dataset::zip({a, a}).collect(); }, "duplicate name 'x'");
  expect_error<ValueError>(
      [&] {
        Dataset::zip({a, Dataset::range(2)}).collect();
      },
      "cannot combine map elements with tuple elements");
}

TEST(Concatenate, AppendsAndChecksCompatibility) {
  Dataset ds = Dataset::range(3).concatenate(Dataset::range(10, 12));
  EXPECT_EQ(ds.cardinality(), 5);
  EXPECT_EQ(scalars(ds), (std::vector<int64_t>{0, 1, 2, 10, 11}));
  EXPECT_EQ(Dataset::range(3).concatenate(Dataset::range(1).repeat()).cardinality(),
            INFINITE_CARDINALITY);
  Dataset floats = Dataset::from_tensor_slices(Tensor({1.0f, 2.0f}));
  expect_error<ValueError>([&] { Dataset::range(2).concatenate(floats).collect(); },
                           "the first yields (int64 ()), the second (float32 ())");
}

TEST(Element, AccessorsAndErrors) {
  Element e{Tensor(1), Tensor("a")};
  EXPECT_EQ(e.size(), 2u);
  EXPECT_FALSE(e.is_map());
  EXPECT_EQ(e[1].item<std::string>(), "a");
  EXPECT_EQ(e.describe(), "(int32 (), string ())");
  expect_error<ValueError>([&] { (void)e[2]; }, "component index 2 out of range");
  expect_error<ValueError>([&] { (void)e["a"]; }, "no names (it is a tuple)");
  Element m = Element::named({{"image", Tensor({1.0f})}, {"label", Tensor(3)}});
  EXPECT_EQ(m.describe(), "{image: float32 (1,), label: int32 ()}");
  EXPECT_EQ(m[1].item<int>(), 3);
  expect_error<ValueError>(
      [] {
        Element::named({{"a", Tensor(1)}, {"a", Tensor(2)}});
      },
      "duplicate name 'a'");
}

}  // namespace
}  // namespace tandem::data
