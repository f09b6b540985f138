// Shared by the tests that run under mpirun: the world communicator, typed buffer helpers, and a
// main() that lets rank 0 print the GoogleTest summary while other ranks print only failures.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

#include "comm/communicator.h"

namespace tandem::comm::testing {

inline Communicator& world() {
  static std::unique_ptr<Communicator> comm = make_communicator();
  return *comm;
}

// Host storage for `count` elements of `dtype`, read and written as doubles.
class TypedBuffer {
 public:
  TypedBuffer(ScalarType dtype, size_t count)
      : dtype_(dtype), count_(count), bytes_(count * element_size(dtype) + 1) {}
  Buffer buffer() { return {.data = bytes_.data(), .count = count_, .dtype = dtype_}; }
  void set(size_t i, double v) {
    kernels::visit_numeric(dtype_, [&](auto tag) {
      using T = decltype(tag);
      T* data = reinterpret_cast<T*>(bytes_.data());
      if constexpr (std::is_same_v<T, double>) {
        data[i] = v;
      } else {
        data[i] = static_cast<T>(static_cast<float>(v));  // Half and BFloat16 convert from float
      }
    });
  }
  double get(size_t i) const {
    return kernels::visit_numeric(dtype_, [&](auto tag) {
      using T = decltype(tag);
      return static_cast<double>(static_cast<float>(reinterpret_cast<const T*>(bytes_.data())[i]));
    });
  }
  size_t count() const { return count_; }

 private:
  ScalarType dtype_;
  size_t count_;
  std::vector<unsigned char> bytes_;
};

// Prints one rank's failed assertions with its rank, so non-zero ranks stay quiet otherwise.
class RankFailurePrinter : public ::testing::EmptyTestEventListener {
 public:
  explicit RankFailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (result.failed())
      std::fprintf(stderr, "[rank %d] FAILED %s:%d\n%s\n", rank_, result.file_name(),
                   result.line_number(), result.summary());
  }

 private:
  int rank_;
};

inline int run_all_tests_on_every_rank(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  Communicator& comm = world();
  if (comm.rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new RankFailurePrinter(comm.rank()));
  }
  int32_t failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
  int32_t any_failed = 0;
  comm.all_reduce({.data = &failed, .count = 1, .dtype = ScalarType::kInt32},
                  {.data = &any_failed, .count = 1, .dtype = ScalarType::kInt32}, ReduceOp::kMax,
                  "test_result");
  if (comm.rank() == 0 && any_failed) std::fprintf(stderr, "tests FAILED on at least one rank\n");
  return any_failed;
}

}  // namespace tandem::comm::testing
