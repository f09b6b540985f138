// PrimitiveCache (kernels/cpu/dnnl_cache.h): one primitive per geometry and OpenMP thread count.
#include <gtest/gtest.h>
#include <omp.h>

#ifdef TANDEM_HAVE_DNNL
#include "kernels/cpu/dnnl_cache.h"
#endif

namespace tandem::kernels::cpu {
namespace {

#ifdef TANDEM_HAVE_DNNL

// Restores the OpenMP team size a test changed.
struct ThreadsGuard {
  int saved = omp_get_max_threads();
  ~ThreadsGuard() { omp_set_num_threads(saved); }
};

TEST(PrimitiveCache, MakesOnePerGeometry) {
  PrimitiveCache<2, int> cache;
  int made = 0;
  auto make = [&] { return ++made; };
  EXPECT_EQ(*cache.get({1, 2}, make), 1);
  EXPECT_EQ(*cache.get({1, 2}, make), 1);  // the cached one
  EXPECT_EQ(*cache.get({2, 1}, make), 2);
  EXPECT_EQ(made, 2);
}

TEST(PrimitiveCache, MakesAnotherForAnotherThreadCount) {
  // A primitive splits its work for the team size it was made under: after the thread count
  // changes, the cached one must not be reused (it would run on the old number of cores).
  ThreadsGuard guard;
  PrimitiveCache<1, int> cache;
  int made = 0;
  auto make = [&] { return ++made; };
  omp_set_num_threads(1);
  EXPECT_EQ(*cache.get({7}, make), 1);
  omp_set_num_threads(2);
  EXPECT_EQ(*cache.get({7}, make), 2);
  omp_set_num_threads(1);
  EXPECT_EQ(*cache.get({7}, make), 1);  // both stay cached
  EXPECT_EQ(made, 2);
}

TEST(PrimitiveCache, RemembersWhatOneDnnRefused) {
  PrimitiveCache<1, int> cache;
  int asked = 0;
  auto refuse = [&]() -> int {
    ++asked;
    throw dnnl::error(dnnl_unimplemented, "no implementation");
  };
  EXPECT_EQ(cache.get({3}, refuse), nullptr);
  EXPECT_EQ(cache.get({3}, refuse), nullptr);
  EXPECT_EQ(asked, 1);
}

TEST(PrimitiveCache, StaysBounded) {
  PrimitiveCache<1, int> cache;
  int made = 0;
  auto make = [&] { return ++made; };
  const auto limit = static_cast<int64_t>(PrimitiveCache<1, int>::kMaxCached);
  for (int64_t g = 0; g <= limit; ++g) cache.get({g}, make);
  // The one past the bound restarted the cache: the first geometry is made again.
  cache.get({0}, make);
  EXPECT_EQ(made, limit + 2);
}

#else

TEST(PrimitiveCache, NeedsOneDnn) { GTEST_SKIP() << "this build has no oneDNN"; }

#endif

}  // namespace
}  // namespace tandem::kernels::cpu
