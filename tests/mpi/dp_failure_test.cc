// A data-parallel job with a dead or missing rank ends on its own, naming that rank: runs
// dp_failure_helper under mpirun as a subprocess (as mpi_failure_test does for comm/).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "job_runner.h"

namespace {

using tandem::testing::contains;
using tandem::testing::JobResult;

JobResult run_job(const std::string& mode) {
  return tandem::testing::run_command("OMP_NUM_THREADS=1 TANDEM_COMM_TIMEOUT=3 " TANDEM_MPIEXEC
                                      " " TANDEM_MPIEXEC_FLAGS " " TANDEM_MPIEXEC_NUMPROC_FLAG
                                      " 2 " TANDEM_DP_FAILURE_HELPER " " +
                                      mode);
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

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A preemption notice to one rank (SIGUSR1, what `scancel --signal=USR1` sends): every rank stops
// at the same step, the backup is written, the job exits 75; the job started again resumes there
// and ends with the weights of a job that was never interrupted, byte for byte.
TEST(DataParallelFailure, PreemptedJobResumesToTheUninterruptedWeights) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("tandem_preempt_" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  const std::string backup = (dir / "backup").string(), fresh = (dir / "fresh").string();
  JobResult preempted = run_job("preempt " + backup + " " + (dir / "unused.tdm").string());
  EXPECT_EQ(preempted.exit_code, 75) << preempted.output;
  EXPECT_TRUE(contains(preempted.output, "Preempted: stopped after step 5 of epoch 2"))
      << preempted.output;
  EXPECT_TRUE(std::filesystem::exists(backup + "/backup.tdm"));
  JobResult resumed = run_job("train " + backup + " " + (dir / "resumed.tdm").string());
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
  JobResult uninterrupted = run_job("train " + fresh + " " + (dir / "uninterrupted.tdm").string());
  EXPECT_EQ(uninterrupted.exit_code, 0) << uninterrupted.output;
  const std::string a = read_file((dir / "resumed.tdm").string());
  EXPECT_FALSE(a.empty());
  EXPECT_TRUE(a == read_file((dir / "uninterrupted.tdm").string()))
      << "the resumed job's weights differ from the uninterrupted job's";
  std::filesystem::remove_all(dir);
}

}  // namespace
