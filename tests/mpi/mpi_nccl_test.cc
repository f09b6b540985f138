// The nccl backend under mpirun, one rank per GPU (ctest runs it with one rank: a size-1 NCCL
// communicator with the MPI bootstrap). Skips where no GPU is visible.
#include <cuda_runtime.h>

#include <cstring>
#include <string>

#include "mpi_test_main.h"

namespace tandem::comm::testing {
namespace {

// A device copy of a host vector, freed on scope exit.
template <class T>
class DeviceVector {
 public:
  explicit DeviceVector(const std::vector<T>& host) : size_(host.size()) {
    cudaMalloc(&data_, std::max<size_t>(1, size_) * sizeof(T));
    cudaMemcpy(data_, host.data(), size_ * sizeof(T), cudaMemcpyHostToDevice);
  }
  ~DeviceVector() { cudaFree(data_); }
  std::vector<T> host() const {
    std::vector<T> out(size_);
    cudaMemcpy(out.data(), data_, size_ * sizeof(T), cudaMemcpyDeviceToHost);
    return out;
  }
  Buffer buffer(ScalarType dtype, int device) {
    return {.data = data_, .count = size_, .dtype = dtype, .device = device};
  }

 private:
  size_t size_;
  T* data_ = nullptr;
};

class NcclTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int devices = 0;
    if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0)
      GTEST_SKIP() << "no CUDA device visible";
    static std::shared_ptr<Communicator> bootstrap(&world(), [](Communicator*) {});
    static std::unique_ptr<Communicator> nccl = make_nccl_communicator(bootstrap);
    comm_ = nccl.get();
    device_ = world().local_rank() % devices;
  }
  Communicator* comm_ = nullptr;
  int device_ = 0;
};

TEST_F(NcclTest, AllReduceSumAndAvgInFloatAndInt) {
  const int n = comm_->size(), r = comm_->rank();
  DeviceVector<float> f(std::vector<float>(1001, static_cast<float>(r + 1)));
  comm_->all_reduce(f.buffer(ScalarType::kFloat32, device_),
                    f.buffer(ScalarType::kFloat32, device_), ReduceOp::kSum, "f");
  EXPECT_EQ(f.host()[1000], static_cast<float>(n * (n + 1) / 2));
  DeviceVector<int32_t> i(std::vector<int32_t>(7, r + 1));
  comm_->all_reduce(i.buffer(ScalarType::kInt32, device_), i.buffer(ScalarType::kInt32, device_),
                    ReduceOp::kMax, "i");
  EXPECT_EQ(i.host()[6], n);
  DeviceVector<double> d(std::vector<double>(3, 2.0 * (r + 1)));
  comm_->all_reduce(d.buffer(ScalarType::kFloat64, device_),
                    d.buffer(ScalarType::kFloat64, device_), ReduceOp::kAvg, "d");
  EXPECT_DOUBLE_EQ(d.host()[2], static_cast<double>(n + 1));
}

TEST_F(NcclTest, GathersScattersAndExchanges) {
  const size_t n = static_cast<size_t>(comm_->size());
  const int r = comm_->rank();
  DeviceVector<float> in(std::vector<float>(2, static_cast<float>(r)));
  DeviceVector<float> out(std::vector<float>(2 * n, -1.0f));
  comm_->all_gather(in.buffer(ScalarType::kFloat32, device_),
                    out.buffer(ScalarType::kFloat32, device_), "ag");
  for (size_t k = 0; k < 2 * n; ++k) EXPECT_EQ(out.host()[k], static_cast<float>(k / 2));
  DeviceVector<float> big(std::vector<float>(2 * n, 1.0f));
  comm_->reduce_scatter(big.buffer(ScalarType::kFloat32, device_),
                        in.buffer(ScalarType::kFloat32, device_), ReduceOp::kSum, "rs");
  EXPECT_EQ(in.host()[1], static_cast<float>(n));
  DeviceVector<float> a2a_out(std::vector<float>(2 * n, 0.0f));
  comm_->all_to_all(out.buffer(ScalarType::kFloat32, device_),
                    a2a_out.buffer(ScalarType::kFloat32, device_), "a2a");
  EXPECT_EQ(a2a_out.host()[0], static_cast<float>(r));  // block r of every rank
  comm_->broadcast(in.buffer(ScalarType::kFloat32, device_), 0, "bcast");
  comm_->barrier();
}

TEST_F(NcclTest, RejectsHostBuffers) {
  std::vector<float> host(4);
  try {
    comm_->all_reduce({.data = host.data(), .count = 4}, {.data = host.data(), .count = 4},
                      ReduceOp::kSum, "host");
    FAIL() << "expected CommError";
  } catch (const CommError& e) {
    EXPECT_NE(std::string(e.what()).find("all_reduce 'host': the nccl backend takes buffers on "
                                         "CUDA device"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace tandem::comm::testing

int main(int argc, char** argv) {
  return tandem::comm::testing::run_all_tests_on_every_rank(argc, argv);
}
