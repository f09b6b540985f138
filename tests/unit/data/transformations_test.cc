// Dataset transformations: map, filter, shuffle, batch, padded_batch, unbatch, repeat, take, skip,
// shard, enumerate, cache, cardinality, set_epoch.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "data_test_util.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"
#include "tandem/ops/random.h"
#include "tandem/ops/shape_ops.h"
#include "testing/assertions.h"

namespace tandem::data {
namespace {

using tandem::testing::expect_error;
using tandem::testing::expect_values;
using testing::iota;
using testing::scalars;

Tensor i64(int64_t v) { return Tensor::from_vector<int64_t>({v}, Shape{}); }

TEST(Map, TransformsEveryElementInOrder) {
  Dataset ds = Dataset::range(4).map([](const Element& e) -> Element {
    int64_t v = e[0].item<int64_t>();
    return {i64(v * v), Tensor(std::to_string(v))};
  });
  EXPECT_EQ(ds.cardinality(), 4);
  EXPECT_EQ(scalars(ds), (std::vector<int64_t>{0, 1, 4, 9}));
  std::vector<Element> elems = ds.collect();
  EXPECT_EQ(elems[3][1].item<std::string>(), "3");
}

TEST(Map, ReturnsABareTensorAndUsesOps) {
  Tensor x = Tensor::from_vector<float>({1, 2, 3, 4}, Shape{2, 2});
  Dataset ds = Dataset::from_tensor_slices(x).map([](const Element& e) { return e[0] * 2.0f; });
  std::vector<Element> elems = ds.collect();
  ASSERT_EQ(elems.size(), 2u);
  expect_values(elems[1][0], {6, 8});
}

TEST(Map, SequentialErrorNamesTheElementIndex) {
  Dataset ds = Dataset::range(5).map([](const Element& e) -> Element {
    TANDEM_CHECK(e[0].item<int64_t>() != 3, ValueError, "bad value 3");
    return e;
  });
  auto it = ds.make_iterator();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(it->next().has_value());
  expect_error<ValueError>([&] { it->next(); },
                           "map: the function failed on element 3: bad value 3");
}

TEST(Filter, KeepsMatchingElementsAndReportsUnknownCardinality) {
  Dataset ds =
      Dataset::range(10).filter([](const Element& e) { return e[0].item<int64_t>() % 3 == 0; });
  EXPECT_EQ(scalars(ds), (std::vector<int64_t>{0, 3, 6, 9}));
  EXPECT_EQ(ds.cardinality(), UNKNOWN_CARDINALITY);
  EXPECT_EQ(Dataset::range(2).repeat().filter([](const Element&) { return true; }).cardinality(),
            INFINITE_CARDINALITY);
  Dataset bad = Dataset::range(3).filter([](const Element& e) -> bool {
    TANDEM_CHECK(e[0].item<int64_t>() < 1, TypeError, "predicate broke");
    return true;
  });
  expect_error<TypeError>([&] { bad.collect(); }, "filter: the predicate failed on element 1");
}

TEST(Shuffle, IsAPermutationDeterministicUnderASeed) {
  Dataset ds = Dataset::range(100).shuffle(100, 7, /*reshuffle_each_iteration=*/false);
  std::vector<int64_t> a = scalars(ds);
  std::vector<int64_t> b = scalars(ds);
  EXPECT_EQ(a, b);  // no reshuffle: the same order every epoch
  EXPECT_NE(a, iota(0, 100));
  std::vector<int64_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, iota(0, 100));
  // A second dataset with the same seed gives the same order.
  EXPECT_EQ(scalars(Dataset::range(100).shuffle(100, 7, false)), a);
  EXPECT_NE(scalars(Dataset::range(100).shuffle(100, 8, false)), a);
}

TEST(Shuffle, ReshufflesEachEpochAndSetEpochReplaysAnEpoch) {
  Dataset ds = Dataset::range(50).shuffle(50, 3);
  std::vector<int64_t> e0 = scalars(ds);
  std::vector<int64_t> e1 = scalars(ds);
  EXPECT_NE(e0, e1);
  EXPECT_EQ(ds.epoch(), 2u);
  ds.set_epoch(1);
  EXPECT_EQ(scalars(ds), e1);
  ds.set_epoch(0);
  EXPECT_EQ(scalars(ds), e0);
  // A fresh handle starts at epoch 0 too.
  EXPECT_EQ(scalars(Dataset::range(50).shuffle(50, 3)), e0);
}

TEST(Shuffle, BufferSemanticsBoundHowFarElementsMove) {
  // With a buffer of 1 nothing moves; with a buffer of b, the first output is among the first b.
  EXPECT_EQ(scalars(Dataset::range(20).shuffle(1, 5)), iota(0, 20));
  for (uint64_t seed = 0; seed < 20; ++seed) {
    std::vector<int64_t> out = scalars(Dataset::range(100).shuffle(4, seed));
    EXPECT_LT(out[0], 4);
    // Element k cannot come out before position k - 3 (it enters the buffer at step k - 3).
    for (size_t pos = 0; pos < out.size(); ++pos)
      EXPECT_LE(out[pos], static_cast<int64_t>(pos) + 3);
  }
}

TEST(Shuffle, UnseededFollowsTheGlobalSeed) {
  tandem::set_random_seed(11);
  std::vector<int64_t> a = scalars(Dataset::range(30).shuffle(30));
  tandem::set_random_seed(11);
  std::vector<int64_t> b = scalars(Dataset::range(30).shuffle(30));
  EXPECT_EQ(a, b);
  expect_error<ValueError>([] { Dataset::range(3).shuffle(0, 1); }, "buffer_size must be positive");
}

TEST(Batch, StacksElementsAndKeepsTheRemainder) {
  Tensor x = Tensor::from_vector<float>({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, Shape{5, 2});
  Tensor y = Tensor({"a", "b", "c", "d", "e"});
  Dataset ds = Dataset::from_tensor_slices({x, y}).batch(2);
  EXPECT_EQ(ds.cardinality(), 3);
  std::vector<Element> b = ds.collect();
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0][0].shape(), (Shape{2, 2}));
  expect_values(b[1][0], {4, 5, 6, 7});
  EXPECT_EQ(b[1][1].to_vector<std::string>(), (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(b[2][0].shape(), (Shape{1, 2}));
  expect_values(b[2][0], {8, 9});
  EXPECT_EQ(b[2][1].to_vector<std::string>(), (std::vector<std::string>{"e"}));
}

TEST(Batch, DropRemainderAndMapStructure) {
  Dataset ds = Dataset::from_tensor_slices({{"v", Tensor({1, 2, 3, 4, 5})}}).batch(2, true);
  EXPECT_EQ(ds.cardinality(), 2);
  std::vector<Element> b = ds.collect();
  ASSERT_EQ(b.size(), 2u);
  expect_values(b[1]["v"], {3, 4});
  EXPECT_EQ(Dataset::range(1).repeat().batch(4).cardinality(), INFINITE_CARDINALITY);
  expect_error<ValueError>([] { Dataset::range(3).batch(0); }, "batch_size must be positive");
}

TEST(Batch, DifferentShapesNameBothShapes) {
  int64_t n = 0;
  Dataset ds = Dataset::from_generator([n]() mutable -> std::optional<Element> {
    if (n >= 3) return std::nullopt;
    ++n;
    return Element(tandem::zeros(Shape{n}));
  });
  expect_error<ShapeError>(
      [&] { ds.batch(3).collect(); },
      "component 0 has shape (1,) in element 0 of the batch but (2,) in element 1");
  Dataset mixed =
      Dataset::zip({Dataset::range(2), Dataset::range(2)}).map([](const Element& e) -> Element {
        if (e[0].item<int64_t>() == 0) return e[0];
        return Tensor(1.5f);
      });
  expect_error<TypeError>([&] { mixed.batch(2).collect(); },
                          "has dtype int64 in element 0 of the batch but float32 in element 1");
}

// The bench's pipeline in small: every row of every batch is the normalised image of the index in
// its label component, whatever order the shuffle picked; scalars batch to a vector.
TEST(Batch, ShuffledMapOutputsStackRowByRow) {
  constexpr int64_t n = 50;
  std::vector<uint8_t> pixels(static_cast<size_t>(n * 6));
  for (size_t k = 0; k < pixels.size(); ++k) pixels[k] = static_cast<uint8_t>(k % 251);
  Tensor images = Tensor::from_vector(pixels, Shape{n, 2, 3});
  Tensor labels = Tensor::from_vector(iota(0, n), Shape{n});
  Dataset ds = Dataset::from_tensor_slices({images, labels})
                   .map([](const Element& e) -> Element {
                     return {tandem::cast(e[0], tandem::float32) / 255.0f, e[1]};
                   })
                   .shuffle(16, 3)
                   .batch(16);
  std::set<int64_t> seen;
  for (const Element& b : ds) {
    int64_t rows = b[1].shape()[0];
    ASSERT_EQ(b[0].shape(), (Shape{rows, 2, 3}));
    std::vector<float> got = b[0].to_vector<float>();
    std::vector<int64_t> ids = b[1].to_vector<int64_t>();
    for (int64_t r = 0; r < rows; ++r) {
      seen.insert(ids[static_cast<size_t>(r)]);
      for (int64_t k = 0; k < 6; ++k) {
        float want =
            static_cast<float>(pixels[static_cast<size_t>(ids[static_cast<size_t>(r)] * 6 + k)]) /
            255.0f;
        ASSERT_FLOAT_EQ(got[static_cast<size_t>(r * 6 + k)], want) << "row " << r;
      }
    }
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(n));
}

// Checks run element by element during the copy: a mismatch late in a batch is still reported.
TEST(Batch, LateElementWithOtherStructureIsReported) {
  Dataset ds = Dataset::range(6).map([](const Element& e) -> Element {
    if (e[0].item<int64_t>() == 5) return e[0];
    return {e[0], e[0]};
  });
  expect_error<ValueError>([&] { ds.batch(6).collect(); },
                           "element 0 is (int64 (), int64 ()), element 5 is (int64 ())");
}

TEST(PaddedBatch, PadsToTheLongestOrAGivenShape) {
  Dataset ragged = Dataset::range(1, 4).map([](const Element& e) -> Element {
    int64_t n = e[0].item<int64_t>();
    std::vector<int32_t> v(static_cast<size_t>(n), static_cast<int32_t>(n));
    return {Tensor::from_vector<int32_t>(v, Shape{n}),
            Tensor(std::string(static_cast<size_t>(n), 'x'))};
  });
  std::vector<Element> b = ragged.padded_batch(2).collect();
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0][0].shape(), (Shape{2, 2}));
  expect_values(b[0][0], {1, 0, 2, 2});
  expect_values(b[1][0], {3, 3, 3});
  EXPECT_EQ(b[0][1].to_vector<std::string>(), (std::vector<std::string>{"x", "xx"}));

  PaddedBatchOptions options{.padded_shapes = {Shape{4}, Shape{}},
                             .padding_values = {Tensor(-1), Tensor("pad")},
                             .drop_remainder = true};
  std::vector<Element> p = ragged.padded_batch(2, options).collect();
  ASSERT_EQ(p.size(), 1u);
  expect_values(p[0][0], {1, -1, -1, -1, 2, 2, -1, -1});

  PaddedBatchOptions too_small{.padded_shapes = {Shape{2}, Shape{}}};
  expect_error<ShapeError>([&] { ragged.padded_batch(3, too_small).collect(); },
                           "needs 3 in dimension 0, more than its padded shape (2,)");
  PaddedBatchOptions wrong_type{.padding_values = {Tensor(1.0f), Tensor("")}};
  expect_error<TypeError>([&] { ragged.padded_batch(2, wrong_type).collect(); },
                          "must be a scalar of dtype int32, received float32");
}

TEST(PaddedBatch, PadsTwoDimensions) {
  Dataset ds = Dataset::from_generator_factory([] {
    auto i = std::make_shared<int>(0);
    return Generator([i]() -> std::optional<Element> {
      if (*i == 2) return std::nullopt;
      ++*i;
      return Element(tandem::fill(Shape{*i, 3 - *i}, *i, int32));
    });
  });
  std::vector<Element> b = ds.padded_batch(2).collect();
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0][0].shape(), (Shape{2, 2, 2}));
  // element 0: [[1, 1]] padded to 2x2; element 1: [[2], [2]] padded to 2x2.
  expect_values(b[0][0], {1, 1, 0, 0, 2, 0, 2, 0});
}

TEST(Unbatch, SplitsBatchesBackIntoElements) {
  Tensor x = Tensor::from_vector<int64_t>({0, 1, 2, 3, 4, 5, 6}, Shape{7});
  Dataset ds = Dataset::from_tensor_slices(x).batch(3).unbatch();
  EXPECT_EQ(scalars(ds), iota(0, 7));
  EXPECT_EQ(ds.cardinality(), UNKNOWN_CARDINALITY);
  Dataset scalar = Dataset::range(2).unbatch();
  expect_error<ValueError>([&] { scalar.collect(); }, "component 0 is a scalar");
}

TEST(Repeat, CountForeverAndEmptyInput) {
  EXPECT_EQ(scalars(Dataset::range(3).repeat(2)), (std::vector<int64_t>{0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(Dataset::range(3).repeat(2).cardinality(), 6);
  EXPECT_EQ(Dataset::range(3).repeat().cardinality(), INFINITE_CARDINALITY);
  EXPECT_EQ(scalars(Dataset::range(3).repeat().take(7)),
            (std::vector<int64_t>{0, 1, 2, 0, 1, 2, 0}));
  EXPECT_TRUE(scalars(Dataset::range(0).repeat()).empty());  // terminates
  EXPECT_TRUE(scalars(Dataset::range(3).repeat(0)).empty());
  // Each repetition reshuffles.
  std::vector<int64_t> two = scalars(Dataset::range(20).shuffle(20, 1).repeat(2));
  EXPECT_NE(std::vector<int64_t>(two.begin(), two.begin() + 20),
            std::vector<int64_t>(two.begin() + 20, two.end()));
}

TEST(TakeSkip, CountsAndCardinality) {
  EXPECT_EQ(scalars(Dataset::range(10).take(3)), iota(0, 3));
  EXPECT_EQ(scalars(Dataset::range(10).skip(7)), iota(7, 10));
  EXPECT_EQ(scalars(Dataset::range(10).take(-1)), iota(0, 10));
  EXPECT_TRUE(scalars(Dataset::range(10).skip(-1)).empty());
  EXPECT_EQ(Dataset::range(10).take(3).cardinality(), 3);
  EXPECT_EQ(Dataset::range(10).take(30).cardinality(), 10);
  EXPECT_EQ(Dataset::range(10).skip(4).cardinality(), 6);
  EXPECT_EQ(Dataset::range(10).skip(40).cardinality(), 0);
  EXPECT_EQ(Dataset::range(2).repeat().take(5).cardinality(), 5);
  EXPECT_EQ(Dataset::range(2).repeat().skip(5).cardinality(), INFINITE_CARDINALITY);
}

TEST(Shard, EveryNthElementFromIndex) {
  EXPECT_EQ(scalars(Dataset::range(10).shard(3, 0)), (std::vector<int64_t>{0, 3, 6, 9}));
  EXPECT_EQ(scalars(Dataset::range(10).shard(3, 2)), (std::vector<int64_t>{2, 5, 8}));
  EXPECT_EQ(Dataset::range(10).shard(3, 0).cardinality(), 4);
  EXPECT_EQ(Dataset::range(10).shard(3, 2).cardinality(), 3);
  expect_error<ValueError>([] { Dataset::range(3).shard(2, 2); },
                           "index must be in [0, 2), received 2");
  expect_error<ValueError>([] { Dataset::range(3).shard(0, 0); }, "num_shards must be positive");
}

TEST(Enumerate, PrependsACounter) {
  Dataset ds = Dataset::range(10, 13).enumerate(5);
  EXPECT_EQ(scalars(ds, 0), (std::vector<int64_t>{5, 6, 7}));
  EXPECT_EQ(scalars(ds, 1), (std::vector<int64_t>{10, 11, 12}));
  Dataset named = Dataset::from_tensor_slices({{"x", Tensor({7, 8})}}).enumerate();
  std::vector<Element> e = named.collect();
  EXPECT_EQ(e[1]["index"].item<int64_t>(), 1);
  EXPECT_EQ(e[1]["x"].item<int>(), 8);
}

TEST(Cache, RunsTheInputOnceAndReplays) {
  auto calls = std::make_shared<std::atomic<int>>(0);
  Dataset ds = Dataset::range(4)
                   .map([calls](const Element& e) -> Element {
                     ++*calls;
                     return e;
                   })
                   .cache();
  // An abandoned first pass stores nothing.
  {
    auto it = ds.make_iterator();
    it->next();
  }
  EXPECT_EQ(calls->load(), 1);
  EXPECT_EQ(scalars(ds), iota(0, 4));
  EXPECT_EQ(calls->load(), 5);
  EXPECT_EQ(scalars(ds), iota(0, 4));
  EXPECT_EQ(calls->load(), 5);
  EXPECT_EQ(ds.cardinality(), 4);
}

TEST(Pipeline, ReadsLikeTfData) {
  Tensor images = tandem::range(0, 24, 1, float32);
  Dataset ds = Dataset::from_tensor_slices(tandem::reshape(images, Shape{12, 2}))
                   .map([](const Element& e) { return e[0] / 2.0f; })
                   .shuffle(12, 9)
                   .batch(5)
                   .prefetch(AUTOTUNE);
  EXPECT_EQ(ds.cardinality(), 3);
  std::multiset<double> seen;
  int64_t rows = 0;
  for (const auto& batch : ds) {
    rows += batch[0].shape()[0];
    for (double v : batch[0].to_vector<double>()) seen.insert(v);
  }
  EXPECT_EQ(rows, 12);
  std::multiset<double> expected;
  for (int i = 0; i < 24; ++i) expected.insert(i / 2.0);
  EXPECT_EQ(seen, expected);
}

}  // namespace
}  // namespace tandem::data
