// Runs mpi_failure_helper under mpirun as a subprocess and checks that a stalled or killed job
// ends on its own, with a non-zero exit and a message that names the collective and the ranks.
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

JobResult run_job(const std::string& mode, int ranks, const std::string& env = "") {
  const std::string command = env +
                              " TANDEM_COMM_TIMEOUT=2 " TANDEM_MPIEXEC " " TANDEM_MPIEXEC_FLAGS
                              " " TANDEM_MPIEXEC_NUMPROC_FLAG " " +
                              std::to_string(ranks) + " " TANDEM_FAILURE_HELPER " " + mode +
                              " 2>&1";
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

void expect_stall_report(const JobResult& job) {
  EXPECT_NE(job.exit_code, 0) << job.output;
  EXPECT_TRUE(contains(job.output,
                       "collective stalled: all_reduce 'grads' (sequence 1, 8 x float32, sum) "
                       "did not complete within 2 s; ranks that reached it: 0, 2; ranks that "
                       "have not: 1."))
      << job.output;
  EXPECT_TRUE(contains(job.output, "[rank 0/3] collective stalled") ||
              contains(job.output, "[rank 2/3] collective stalled"))
      << job.output;
  EXPECT_FALSE(contains(job.output, "which it should not have")) << job.output;
  EXPECT_LT(job.seconds, 30) << job.output;
}

// The default mode: blocking MPI calls on the comm thread, a watchdog thread on the side channel.
TEST(MpiFailure, SkippedCollectiveIsReportedWithTheRanksThatReachedIt) {
  expect_stall_report(run_job("skip", 3));
}

// The polling mode: the comm thread itself answers the side channel between MPI_Test calls.
TEST(MpiFailure, SkippedCollectiveIsReportedInPollingMode) {
  expect_stall_report(run_job("skip", 3, "TANDEM_MPI_PROGRESS=poll"));
}

// A split is a collective too: the watchdog covers it in the blocking mode.
TEST(MpiFailure, SkippedSplitIsReportedWithTheRanksThatReachedIt) {
  JobResult job = run_job("split", 3);
  EXPECT_NE(job.exit_code, 0) << job.output;
  EXPECT_TRUE(contains(job.output, "collective stalled: split (sequence 1, color 0, key "))
      << job.output;
  EXPECT_TRUE(contains(job.output,
                       "did not complete within 2 s; ranks that reached it: 0, 2; ranks that "
                       "have not: 1."))
      << job.output;
  EXPECT_FALSE(contains(job.output, "which it should not have")) << job.output;
  EXPECT_LT(job.seconds, 30) << job.output;
}

TEST(MpiFailure, KilledRankEndsTheJobWithAMessage) {
  JobResult job = run_job("kill", 3);
  EXPECT_NE(job.exit_code, 0) << job.output;
  // Either mpirun notices the dead process first, or the watchdog finds it silent.
  EXPECT_TRUE(contains(job.output, "signal 9") ||
              contains(job.output, "did not answer (dead, hung or exited): 1"))
      << job.output;
  EXPECT_FALSE(contains(job.output, "which it should not have")) << job.output;
  EXPECT_LT(job.seconds, 30) << job.output;
}

}  // namespace
