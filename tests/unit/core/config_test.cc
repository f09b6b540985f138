#include "tandem/core/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "tandem/core/error.h"

namespace tandem {
namespace {

// OpenBLAS is loaded lazily on first use, so setting the variable here is what an inherited
// environment looks like to it.
TEST(Config, InheritedOpenblasCoretypeIsOverriddenAndReported) {
  setenv("OPENBLAS_CORETYPE", "Haswell", 1);
  unsetenv("TANDEM_OPENBLAS_CORETYPE");
  config::BuildInfo info = config::build_info();
  EXPECT_GE(info.cpu_threads, 1);
  ASSERT_FALSE(info.blas_library.empty());
  EXPECT_FALSE(info.sgemm_backend.empty());
  EXPECT_NE(config::describe().find("sgemm " + info.sgemm_backend), std::string::npos);
  if (info.blas_library == "builtin") GTEST_SKIP() << "no OpenBLAS on this machine";
  EXPECT_EQ(info.ignored_openblas_coretype, "Haswell");
  // The user's environment is restored for child processes.
  EXPECT_STREQ(std::getenv("OPENBLAS_CORETYPE"), "Haswell");
  EXPECT_NE(config::describe().find("OPENBLAS_CORETYPE=Haswell overridden"), std::string::npos)
      << config::describe();
}

TEST(Config, ThreadBudgetIsSetReportedAndReset) {
  const int automatic = config::threading::get_intra_op_parallelism_threads();
  EXPECT_GE(automatic, 1);
  config::threading::set_intra_op_parallelism_threads(3);
  config::BuildInfo info = config::build_info();
  EXPECT_EQ(info.thread_budget, 3);
  EXPECT_EQ(info.thread_budget_source, "explicit");
  EXPECT_EQ(info.cpu_threads, 3);  // OpenMP follows on this thread
  EXPECT_NE(config::describe().find("budget 3 from explicit"), std::string::npos)
      << config::describe();
  config::threading::set_intra_op_parallelism_threads(0);
  EXPECT_EQ(config::threading::get_intra_op_parallelism_threads(), automatic);
  EXPECT_NE(config::build_info().thread_budget_source, "explicit");
}

TEST(Config, NegativeThreadBudgetIsRejected) {
  try {
    config::threading::set_intra_op_parallelism_threads(-2);
    FAIL() << "expected a ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find(">= 1, or 0 for the default, received -2"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace tandem
