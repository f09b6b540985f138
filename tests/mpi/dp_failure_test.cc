// A data-parallel job with a dead or missing rank ends on its own, naming that rank: runs
// dp_failure_helper under mpirun as a subprocess (as mpi_failure_test does for comm/).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace {

struct JobResult {
  int exit_code = -1;
  std::string output;
  double seconds = 0;
};

JobResult run_job(const std::string& mode) {
  std::string command =
      "OMP_NUM_THREADS=1 TANDEM_COMM_TIMEOUT=3 " TANDEM_MPIEXEC " " TANDEM_MPIEXEC_FLAGS
      " " TANDEM_MPIEXEC_NUMPROC_FLAG " 2 " TANDEM_DP_FAILURE_HELPER " ";
  command += mode;
  command += " 2>&1";
  JobResult result;
  const auto start = std::chrono::steady_clock::now();
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char chunk[4096];
  size_t n = 0;
  while ((n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) result.output.append(chunk, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// Rank 1 dies mid-epoch: the job ends with a non-zero status, and the report names rank 1.
TEST(DataParallelFailure, KilledRankEndsTheJobNamingIt) {
  JobResult job = run_job("kill");
  EXPECT_NE(job.exit_code, 0) << job.output;
  EXPECT_TRUE(contains(job.output, "rank 1")) << job.output;
  EXPECT_FALSE(contains(job.output, "which it should not have")) << job.output;
  EXPECT_LT(job.seconds, 40) << job.output;
}

// Rank 0 reduces gradients that rank 1 never does: the watchdog names rank 1 after the timeout.
TEST(DataParallelFailure, GradientStepOnOneRankOnlyIsReportedNotHung) {
  JobResult job = run_job("one_rank_step");
  EXPECT_NE(job.exit_code, 0) << job.output;
  EXPECT_TRUE(contains(job.output, "collective stalled")) << job.output;
  EXPECT_TRUE(contains(job.output, "ranks that have not: 1")) << job.output;
  EXPECT_FALSE(contains(job.output, "which it should not have")) << job.output;
  EXPECT_LT(job.seconds, 40) << job.output;
}

}  // namespace
