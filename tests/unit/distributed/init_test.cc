// The per-rank choices distributed::init() reports: each replica's device and the startup table.
#include "tandem/distributed/init.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace tandem::distributed {
namespace {

TEST(ReplicaDevice, LocalRankModuloTheVisibleGpusElseTheCpu) {
  EXPECT_EQ(replica_device(0, 0), Device::cpu());
  EXPECT_EQ(replica_device(3, 0), Device::cpu());
  EXPECT_EQ(replica_device(0, 2), Device::cuda(0));
  EXPECT_EQ(replica_device(3, 2), Device::cuda(1));
  EXPECT_EQ(replica_device(5, 4), Device::cuda(1));
  // Without a GPU here, the default argument (the visible count) gives the CPU.
  if (cuda_device_count() == 0) {
    EXPECT_EQ(replica_device(1), Device::cpu());
  }
}

TEST(RankTable, OneLinePerRankUnderAHeader) {
  std::string table = format_rank_table(
      {{.rank = 0, .size = 2, .local_rank = 0, .host = "a", .device = "cuda:0", .backend = "mpi"},
       {.rank = 1, .size = 2, .local_rank = 1, .host = "a", .device = "cuda:1", .backend = "mpi"}});
  EXPECT_NE(table.find("device"), std::string::npos) << table;
  EXPECT_NE(table.find("cuda:1"), std::string::npos) << table;
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 4) << table;  // title, header, 2 rows
}

}  // namespace
}  // namespace tandem::distributed
