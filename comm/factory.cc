// Backend choice: MPI when a launcher started this process as part of a job, local otherwise.
#include <cstdlib>
#include <string>

#include "comm/communicator.h"

namespace tandem::comm {

bool launched_by_mpi_launcher() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "SLURM_NTASKS"}) {
    const char* text = std::getenv(var);
    if (text != nullptr && *text != '\0') return true;
  }
  return false;
}

int launcher_rank() {
  for (const char* var : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"}) {
    const char* text = std::getenv(var);
    if (text != nullptr && *text != '\0') return std::atoi(text);
  }
  return 0;
}

#ifndef TANDEM_HAVE_MPI
std::unique_ptr<Communicator> make_mpi_communicator() {
  throw CommError(
      "the mpi communicator is not available: Tandem was built without MPI (install Open MPI "
      "and reconfigure)");
}
#endif

#ifndef TANDEM_HAVE_NCCL
std::unique_ptr<Communicator> make_nccl_communicator(std::shared_ptr<Communicator>, int) {
  throw CommError(
      "the nccl communicator is not available: Tandem was built without CUDA and NCCL "
      "(configure with TANDEM_ENABLE_CUDA=ON on a machine with the CUDA toolkit and NCCL)");
}
#endif

namespace {

// Sends each collective to the host or the device backend by where its buffers live.
class DeviceRoutingCommunicator : public Communicator {
 public:
  explicit DeviceRoutingCommunicator(std::shared_ptr<Communicator> host) : host_(std::move(host)) {
    set_options(host_->options());
  }
  int rank() const override { return host_->rank(); }
  int size() const override { return host_->size(); }
  int local_rank() const override { return host_->local_rank(); }
  int local_size() const override { return host_->local_size(); }
  std::string backend() const override { return host_->backend(); }
  std::unique_ptr<Communicator> split(int color, int key) override {
    return std::make_unique<DeviceRoutingCommunicator>(host_->split(color, key));
  }

 protected:
  std::unique_ptr<Work> submit(Collective c) override {
    const bool on_device = c.in.device >= 0 || c.out.device >= 0;
    if (!on_device) return forward(*host_, std::move(c));
    if (c.in.device < 0 || c.out.device < 0)
      throw CommError(prefix() + kind_name(c.kind) + " '" + c.name +
                      "': input and output must both be host or both be device buffers");
    // Collective: every rank reaches its first device collective at the same point.
    if (!device_) device_ = make_nccl_communicator(host_, c.in.device);
    return forward(*device_, std::move(c));
  }

 private:
  std::shared_ptr<Communicator> host_;
  std::unique_ptr<Communicator> device_;
};

std::unique_ptr<Communicator> make_host_communicator() {
  const char* forced = std::getenv("TANDEM_COMM_BACKEND");
  std::string backend = forced && *forced ? forced : (launched_by_mpi_launcher() ? "mpi" : "local");
  if (backend == "local") return make_local_communicator();
  if (backend == "mpi") return make_mpi_communicator();
  throw CommError("TANDEM_COMM_BACKEND: expected 'local' or 'mpi', got '" + backend + "'");
}

}  // namespace

std::unique_ptr<Communicator> make_communicator() {
  return std::make_unique<DeviceRoutingCommunicator>(make_host_communicator());
}

}  // namespace tandem::comm
