#include "kernels/cpu/threads.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace tandem::kernels::cpu {
namespace {

auto env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

TEST(Threads, RanksOnNodeFromEachLauncher) {
  EXPECT_EQ(ranks_on_node(env({})), std::nullopt);
  EXPECT_EQ(ranks_on_node(env({{"OMPI_COMM_WORLD_LOCAL_SIZE", "4"}})), 4);
  EXPECT_EQ(ranks_on_node(env({{"MPI_LOCALNRANKS", "2"}})), 2);
  EXPECT_EQ(ranks_on_node(env({{"SLURM_STEP_TASKS_PER_NODE", "8(x2)"}})), 8);
  EXPECT_EQ(ranks_on_node(env({{"OMPI_COMM_WORLD_LOCAL_SIZE", "garbage"}})), std::nullopt);
}

TEST(Threads, EachRankTakesItsShareOfTheNode) {
  EXPECT_EQ(threads_per_rank(16, 16, 2), 8);  // unbound ranks: half the node each
  EXPECT_EQ(threads_per_rank(1, 16, 2), 1);   // bound to one core: that core
  EXPECT_EQ(threads_per_rank(8, 16, 2), 8);   // bound to a socket of 8
  EXPECT_EQ(threads_per_rank(2, 2, 4), 1);    // oversubscribed: at least one
  EXPECT_EQ(threads_per_rank(2, 2, 1), 2);
}

}  // namespace
}  // namespace tandem::kernels::cpu
