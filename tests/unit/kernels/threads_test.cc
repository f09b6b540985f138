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
  EXPECT_EQ(ranks_on_node(env({{"SLURM_NTASKS_PER_NODE", "3"}})), 3);
  EXPECT_EQ(ranks_on_node(env({{"SLURM_STEP_TASKS_PER_NODE", "8(x2)"}})), 8);
  EXPECT_EQ(ranks_on_node(env({{"SLURM_TASKS_PER_NODE", "6"}})), 6);
  EXPECT_EQ(ranks_on_node(env({{"OMPI_COMM_WORLD_LOCAL_SIZE", "garbage"}})), std::nullopt);
  EXPECT_EQ(ranks_on_node(env({{"SLURM_TASKS_PER_NODE", "(x2)"}})), std::nullopt);
}

TEST(Threads, SlurmTaskCountsAreReadForThisNode) {
  // "2(x3),1": nodes 0-2 run two tasks each, node 3 runs one.
  EXPECT_EQ(ranks_on_node(env({{"SLURM_STEP_TASKS_PER_NODE", "2(x3),1"}, {"SLURM_NODEID", "2"}})),
            2);
  EXPECT_EQ(ranks_on_node(env({{"SLURM_STEP_TASKS_PER_NODE", "2(x3),1"}, {"SLURM_NODEID", "3"}})),
            1);
  EXPECT_EQ(ranks_on_node(env({{"SLURM_TASKS_PER_NODE", "4,2"}, {"SLURM_NODEID", "1"}})), 2);
  // The step's count, not the allocation's, when both are set.
  EXPECT_EQ(ranks_on_node(env({{"SLURM_STEP_TASKS_PER_NODE", "1"}, {"SLURM_TASKS_PER_NODE", "4"}})),
            1);
}

TEST(Threads, EachRankTakesItsShareOfItsAffinityMask) {
  EXPECT_EQ(threads_per_rank(16, 16, 2), 8);  // unbound ranks: half the node each
  EXPECT_EQ(threads_per_rank(1, 16, 2), 1);   // bound to one core: that core
  EXPECT_EQ(threads_per_rank(8, 16, 2), 8);   // each bound to its own socket of 8
  EXPECT_EQ(threads_per_rank(16, 32, 8), 4);  // 8 ranks bound to 2 sockets of 16: 4 per socket
  EXPECT_EQ(threads_per_rank(12, 16, 2), 6);  // both in one 12-CPU cpuset: they split it
  EXPECT_EQ(threads_per_rank(2, 2, 4), 1);    // oversubscribed: at least one
  EXPECT_EQ(threads_per_rank(2, 2, 1), 2);
  EXPECT_EQ(threads_per_rank(0, 0, 0), 1);  // nonsense inputs still give a usable count
}

TEST(Threads, OmpNumThreadsAndExplicitSettingsWin) {
  ThreadInputs in;
  in.affinity_cpus = 16;
  in.hardware_threads = 16;
  in.ranks_on_node = 2;
  EXPECT_EQ(decide_threads(in).threads, 8);
  EXPECT_EQ(decide_threads(in).source, "affinity/local ranks");
  in.cpus_per_task = 4;
  EXPECT_EQ(decide_threads(in).threads, 4);
  EXPECT_EQ(decide_threads(in).source, "SLURM_CPUS_PER_TASK");
  in.omp_num_threads = 3;
  EXPECT_EQ(decide_threads(in).threads, 3);
  EXPECT_EQ(decide_threads(in).source, "OMP_NUM_THREADS");
  in.explicit_threads = 5;
  EXPECT_EQ(decide_threads(in).threads, 5);
  EXPECT_EQ(decide_threads(in).source, "explicit");
}

TEST(Threads, OutsideALauncherTheWholeAffinityMask) {
  ThreadInputs in;
  in.affinity_cpus = 6;
  in.hardware_threads = 64;
  EXPECT_EQ(decide_threads(in).threads, 6);
  EXPECT_EQ(decide_threads(in).source, "affinity");
  in.ranks_on_node = 1;
  EXPECT_EQ(decide_threads(in).threads, 6);
}

TEST(Threads, InputsAreReadFromTheEnvironment) {
  ThreadInputs in = read_thread_inputs(env({{"OMP_NUM_THREADS", "4,2"},
                                            {"SLURM_CPUS_PER_TASK", "3"},
                                            {"OMPI_COMM_WORLD_LOCAL_SIZE", "2"}}));
  EXPECT_EQ(in.omp_num_threads, 4);  // a nested list's first level
  EXPECT_EQ(in.cpus_per_task, 3);
  EXPECT_EQ(in.ranks_on_node, 2);
  EXPECT_EQ(in.affinity_cpus, affinity_cpu_count());
  EXPECT_GE(in.hardware_threads, in.affinity_cpus);
  EXPECT_EQ(read_thread_inputs(env({{"OMP_NUM_THREADS", "0"}})).omp_num_threads, std::nullopt);
}

TEST(Threads, TheBudgetCanBeSetAndReset) {
  ThreadDecision automatic = thread_budget();
  EXPECT_GE(automatic.threads, 1);
  set_thread_budget(3);
  EXPECT_EQ(thread_budget().threads, 3);
  EXPECT_EQ(thread_budget().source, "explicit");
  set_thread_budget(0);
  EXPECT_EQ(thread_budget().threads, automatic.threads);
  EXPECT_EQ(thread_budget().source, automatic.source);
}

}  // namespace
}  // namespace tandem::kernels::cpu
