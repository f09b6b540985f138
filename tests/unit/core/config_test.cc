#include "tandem/core/config.h"

#include <gtest/gtest.h>

#include <cstdlib>

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

}  // namespace
}  // namespace tandem
