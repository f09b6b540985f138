// cardinality() and set_epoch() across every transformation: a known, an infinite and an unknown
// input each, with tf.data's rules; and an epoch set on the outermost handle reaching a shuffle
// underneath any transformation.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "tandem/data/dataset.h"
#include "testing/temp_files.h"

namespace tandem::data {
namespace {

constexpr int64_t INF = INFINITE_CARDINALITY;
constexpr int64_t UNK = UNKNOWN_CARDINALITY;

Dataset known() { return Dataset::range(10); }
Dataset infinite() { return Dataset::range(3).repeat(); }
Dataset unknown() {
  return Dataset::range(10).filter([](const Element&) { return true; });
}

struct Case {
  std::string name;
  std::function<Dataset(const Dataset&)> apply;
  int64_t on_known, on_infinite, on_unknown;
};

Element identity(const Element& e) { return e; }

std::vector<Case> cases() {
  auto keep = [](const Element&) { return true; };
  return {
      {"map", [](const Dataset& d) { return d.map(identity); }, 10, INF, UNK},
      {"parallel_map", [](const Dataset& d) { return d.map(identity, {.num_parallel_calls = 2}); },
       10, INF, UNK},
      {"filter", [keep](const Dataset& d) { return d.filter(keep); }, UNK, INF, UNK},
      {"shuffle", [](const Dataset& d) { return d.shuffle(4, 1); }, 10, INF, UNK},
      {"batch", [](const Dataset& d) { return d.batch(3); }, 4, INF, UNK},
      {"batch_drop", [](const Dataset& d) { return d.batch(3, true); }, 3, INF, UNK},
      {"padded_batch", [](const Dataset& d) { return d.padded_batch(3); }, 4, INF, UNK},
      {"unbatch", [](const Dataset& d) { return d.batch(2).unbatch(); }, UNK, INF, UNK},
      {"repeat2", [](const Dataset& d) { return d.repeat(2); }, 20, INF, UNK},
      {"repeat0", [](const Dataset& d) { return d.repeat(0); }, 0, 0, 0},
      {"repeat_forever", [](const Dataset& d) { return d.repeat(); }, INF, INF, INF},
      {"take", [](const Dataset& d) { return d.take(5); }, 5, 5, UNK},
      {"take_all", [](const Dataset& d) { return d.take(-1); }, 10, INF, UNK},
      {"skip", [](const Dataset& d) { return d.skip(4); }, 6, INF, UNK},
      {"shard", [](const Dataset& d) { return d.shard(3, 1); }, 3, INF, UNK},
      {"enumerate", [](const Dataset& d) { return d.enumerate(); }, 10, INF, UNK},
      {"concatenate", [](const Dataset& d) { return d.concatenate(Dataset::range(2)); }, 12, INF,
       UNK},
      {"zip",
       [](const Dataset& d) {
         return Dataset::zip({d, Dataset::range(7)});
       },
       7, 7, UNK},
      {"cache", [](const Dataset& d) { return d.cache(); }, 10, INF, UNK},
      {"prefetch", [](const Dataset& d) { return d.prefetch(2); }, 10, INF, UNK},
      {"interleave",
       [](const Dataset& d) {
         return d.interleave([](const Element& e) { return Dataset::from_tensors(e); });
       },
       UNK, UNK, UNK},
  };
}

TEST(Cardinality, EveryTransformationOnKnownInfiniteAndUnknownInputs) {
  for (const Case& c : cases()) {
    EXPECT_EQ(c.apply(known()).cardinality(), c.on_known) << c.name << " on known";
    EXPECT_EQ(c.apply(infinite()).cardinality(), c.on_infinite) << c.name << " on infinite";
    EXPECT_EQ(c.apply(unknown()).cardinality(), c.on_unknown) << c.name << " on unknown";
  }
}

TEST(Cardinality, KnownCountsMatchTheElementsProduced) {
  for (const Case& c : cases()) {
    Dataset d = c.apply(known());
    if (d.cardinality() < 0) continue;
    EXPECT_EQ(static_cast<int64_t>(d.collect().size()), d.cardinality()) << c.name;
  }
}

TEST(Cardinality, SourcesAndFileCache) {
  tandem::testing::TempDir dir;
  EXPECT_EQ(Dataset::range(10).cache(dir.file("c")).cardinality(), 10);
  EXPECT_EQ(Dataset::from_tensors(Element{Tensor(1.0f)}).cardinality(), 1);
  EXPECT_EQ(Dataset::from_generator([] { return std::optional<Element>(); }).cardinality(), UNK);
}

// Every value of every element of one iteration, flattened.
std::vector<int64_t> values(std::unique_ptr<IteratorBase> it) {
  std::vector<int64_t> out;
  while (auto e = it->next()) {
    for (const Tensor& t : e->components()) {
      for (int64_t v : t.to_vector<int64_t>()) out.push_back(v);
    }
  }
  return out;
}

TEST(SetEpoch, ReachesTheShuffleUnderEveryTransformation) {
  for (const Case& c : cases()) {
    if (c.name == "repeat_forever" || c.name == "repeat0" || c.name == "cache") continue;
    Dataset d = c.apply(Dataset::range(12).shuffle(12, /*seed=*/5)).take(40);
    d.set_epoch(3);
    std::vector<int64_t> epoch3 = values(d.make_iterator());
    EXPECT_EQ(d.epoch(), 4u) << c.name;  // the iteration advanced the counter
    EXPECT_EQ(values(d.make_iterator(3)), epoch3) << c.name;
    d.set_epoch(3);
    EXPECT_EQ(values(d.make_iterator()), epoch3) << c.name;
    EXPECT_NE(values(d.make_iterator(4)), epoch3) << c.name;  // another epoch, another order
  }
}

TEST(SetEpoch, CacheReplaysTheFirstCompleteEpoch) {
  Dataset d = Dataset::range(12).shuffle(12, 5).cache();
  d.set_epoch(7);
  std::vector<int64_t> first = values(d.make_iterator());
  EXPECT_EQ(values(Dataset::range(12).shuffle(12, 5).make_iterator(7)), first);
  EXPECT_EQ(values(d.make_iterator(2)), first);  // later epochs replay the cached order
}

}  // namespace
}  // namespace tandem::data
