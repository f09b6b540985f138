// distribute_dataset under each AutoShardPolicy, as replica r of N (FakeReplica): which files and
// elements each replica reads, and the errors of a dataset that cannot be sharded as asked.
#include "tandem/distributed/distribute_dataset.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tandem/io/tfrecord_writer.h"
#include "testing/assertions.h"
#include "testing/fake_replica.h"
#include "testing/temp_files.h"

namespace tandem::distributed {
namespace {

using data::AutoShardPolicy;
using data::Dataset;
using data::Element;
using tandem::testing::FakeReplica;

class DistributeDatasetTest : public ::testing::Test {
 protected:
  // `files` TFRecord files f0..f{files-1}, each with records "f<i>-<j>" for j < records.
  std::vector<std::string> write_files(int files, int records = 3) {
    std::vector<std::string> paths;
    for (int i = 0; i < files; ++i) {
      std::string name = "f";
      name += std::to_string(i);
      paths.push_back(tmp_.file(name + ".tfrecord"));
      io::TFRecordWriter writer(paths.back());
      for (int j = 0; j < records; ++j) {
        std::string record = name;  // "f<i>-<j>"
        record += "-";
        record += std::to_string(j);
        writer.write(record);
      }
      writer.close();
    }
    return paths;
  }
  static std::vector<std::string> strings(const Dataset& ds) {
    std::vector<std::string> out;
    for (const Element& e : ds) out.push_back(e[0].item<std::string>());
    return out;
  }
  static Dataset with_policy(const Dataset& ds, AutoShardPolicy policy) {
    return ds.with_options({.experimental_distribute = {.auto_shard_policy = policy}});
  }
  // Every replica's records, in order.
  static std::vector<std::vector<std::string>> per_replica(const Dataset& ds, int replicas) {
    std::vector<std::vector<std::string>> out;
    for (int r = 0; r < replicas; ++r) {
      FakeReplica replica(r, replicas);
      out.push_back(strings(distribute_dataset(ds, replica)));
    }
    return out;
  }
  tandem::testing::TempDir tmp_;
};

TEST_F(DistributeDatasetTest, FileShardingGivesEachReplicaWholeFilesThroughTransformations) {
  std::vector<std::string> files = write_files(5);
  // Transformations above the file source run on each replica's own files.
  Dataset ds =
      with_policy(data::TFRecordDataset(files).map([](const Element& e) { return e; }).prefetch(2),
                  AutoShardPolicy::kFile);
  auto shards = per_replica(ds, 2);
  EXPECT_EQ(shards[0], (std::vector<std::string>{"f0-0", "f0-1", "f0-2", "f2-0", "f2-1", "f2-2",
                                                 "f4-0", "f4-1", "f4-2"}));
  EXPECT_EQ(shards[1], (std::vector<std::string>{"f1-0", "f1-1", "f1-2", "f3-0", "f3-1", "f3-2"}));
}

TEST_F(DistributeDatasetTest, AutoShardsListFilesBeforeItsShuffle) {
  std::vector<std::string> files = write_files(4);
  // list_files shuffles every epoch with its own seed; each replica's files are fixed anyway.
  Dataset ds = Dataset::list_files(tmp_.file("*.tfrecord"), /*shuffle=*/true)
                   .interleave([](const Element& e) {
                     return data::TFRecordDataset(e[0].item<std::string>());
                   });
  std::vector<std::string> all;
  for (int r = 0; r < 3; ++r) {
    FakeReplica replica(r, 3);
    Dataset mine = distribute_dataset(ds, replica);
    std::vector<std::string> epoch0 = strings(mine), epoch1 = strings(mine);
    std::sort(epoch0.begin(), epoch0.end());
    std::sort(epoch1.begin(), epoch1.end());
    EXPECT_EQ(epoch0, epoch1) << "replica " << r << " read other files in another epoch";
    // 4 files over 3 replicas: replica 0 reads f0 and f3, the others one file each.
    EXPECT_EQ(epoch0.size(), r == 0 ? 6u : 3u);
    all.insert(all.end(), epoch0.begin(), epoch0.end());
  }
  std::vector<std::string> every = strings(data::TFRecordDataset(files));
  std::sort(all.begin(), all.end());
  std::sort(every.begin(), every.end());
  EXPECT_EQ(all, every);
}

TEST_F(DistributeDatasetTest, AutoFallsBackToElementsWithFewerFilesThanReplicas) {
  std::vector<std::string> files = write_files(1, 5);
  auto shards = per_replica(data::TFRecordDataset(files), 2);
  EXPECT_EQ(shards[0], (std::vector<std::string>{"f0-0", "f0-2", "f0-4"}));
  EXPECT_EQ(shards[1], (std::vector<std::string>{"f0-1", "f0-3"}));
}

TEST_F(DistributeDatasetTest, DataPolicyShardsElementsOfAFileDataset) {
  std::vector<std::string> files = write_files(2, 2);
  auto shards = per_replica(with_policy(data::TFRecordDataset(files), AutoShardPolicy::kData), 2);
  EXPECT_EQ(shards[0], (std::vector<std::string>{"f0-0", "f1-0"}));
  EXPECT_EQ(shards[1], (std::vector<std::string>{"f0-1", "f1-1"}));
}

TEST_F(DistributeDatasetTest, OffGivesEveryReplicaEverything) {
  std::vector<std::string> files = write_files(2, 2);
  auto shards = per_replica(with_policy(data::TFRecordDataset(files), AutoShardPolicy::kOff), 2);
  EXPECT_EQ(shards[0], shards[1]);
  EXPECT_EQ(shards[0].size(), 4u);
}

TEST_F(DistributeDatasetTest, FilePolicyWithFewerFilesThanReplicasIsAnError) {
  std::vector<std::string> files = write_files(1);
  FakeReplica replica(1, 2);
  tandem::testing::expect_error<ValueError>(
      [&] {
        distribute_dataset(with_policy(data::TFRecordDataset(files), AutoShardPolicy::kFile),
                           replica);
      },
      "AutoShardPolicy FILE needs at least as many files as replicas, but the dataset reads 1 "
      "file(s) and there are 2 replicas");
}

TEST_F(DistributeDatasetTest, FilePolicyWithoutFilesIsAnError) {
  FakeReplica replica(0, 2);
  Dataset tensors = Dataset::range(10);
  tandem::testing::expect_error<ValueError>(
      [&] { distribute_dataset(with_policy(tensors, AutoShardPolicy::kFile), replica); },
      "the dataset reads no files");
  // Two file datasets zipped: no single file source to shard, so AUTO shards by element.
  std::vector<std::string> files = write_files(2, 2);
  Dataset zipped = Dataset::zip({data::TFRecordDataset(files), data::TFRecordDataset(files)});
  EXPECT_EQ(distribute_dataset(zipped, replica).collect().size(), 2u);
}

TEST_F(DistributeDatasetTest, OptionsCarryThroughLaterTransformationsAndTheNearestWins) {
  Dataset ds =
      with_policy(Dataset::range(4), AutoShardPolicy::kOff).map([](const Element& e) { return e; });
  EXPECT_EQ(ds.options().experimental_distribute.auto_shard_policy, AutoShardPolicy::kOff);
  EXPECT_EQ(with_policy(ds.batch(2), AutoShardPolicy::kData)
                .options()
                .experimental_distribute.auto_shard_policy,
            AutoShardPolicy::kData);
  EXPECT_EQ(Dataset::range(4).options().experimental_distribute.auto_shard_policy,
            AutoShardPolicy::kAuto);
  EXPECT_STREQ(data::to_string(AutoShardPolicy::kFile), "FILE");
}

TEST_F(DistributeDatasetTest, OneReplicaGetsTheDatasetUnchanged) {
  FakeReplica only(0, 1);
  std::vector<std::string> files = write_files(2, 1);
  Dataset ds = with_policy(data::TFRecordDataset(files), AutoShardPolicy::kFile);
  EXPECT_EQ(strings(distribute_dataset(ds, only)), (std::vector<std::string>{"f0-0", "f1-0"}));
}

}  // namespace
}  // namespace tandem::distributed
