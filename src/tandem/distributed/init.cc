#include "tandem/distributed/init.h"

#include <omp.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <mutex>

#include "comm/communicator.h"
#include "tandem/core/device.h"
#include "tandem/core/error.h"
#include "tandem/distributed/data_parallel.h"

namespace tandem::distributed {

namespace {

// What each rank sends rank 0 for the table: fixed-size, so one all-gather carries it.
struct RankRecord {
  int32_t local_rank = 0;
  int32_t threads = 1;
  char host[64] = {};
  char device[16] = {};
};

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "?";
  return name;
}

void print_table(comm::Communicator& comm) {
  RankRecord mine;
  mine.local_rank = comm.local_rank();
  mine.threads = omp_get_max_threads();
  std::snprintf(mine.host, sizeof(mine.host), "%s", host_name().c_str());
  const Device device = replica_device(comm.local_rank());
  std::snprintf(mine.device, sizeof(mine.device), "%s",
                device.is_cpu() ? "cpu" : device.to_string().c_str());
  std::vector<RankRecord> all(size_t(comm.size()));
  comm.all_gather({.data = &mine, .count = sizeof(mine), .dtype = comm::ScalarType::kUInt8},
                  {.data = all.data(),
                   .count = sizeof(RankRecord) * all.size(),
                   .dtype = comm::ScalarType::kUInt8},
                  "startup_table");
  if (comm.rank() != 0) return;
  std::vector<RankInfo> rows;
  for (int r = 0; r < comm.size(); ++r) {
    const RankRecord& rec = all[size_t(r)];
    rows.push_back({.rank = r,
                    .size = comm.size(),
                    .local_rank = rec.local_rank,
                    .host = rec.host,
                    .device = rec.device,
                    .backend = comm.backend(),
                    .threads = rec.threads});
  }
  std::cout << format_rank_table(rows) << std::flush;
}

StrategyPtr make_default() {
  if (!comm::launched_by_mpi_launcher()) return std::make_shared<Strategy>();
  std::shared_ptr<comm::Communicator> comm;
  try {
    comm = comm::make_communicator();
  } catch (const comm::CommError& e) {
    throw DistributedError(std::string("distributed::init: ") + e.what());
  }
  if (comm->size() <= 1) return std::make_shared<Strategy>();
  print_table(*comm);
  return std::make_shared<DataParallel>(comm);
}

}  // namespace

StrategyPtr init() {
  static std::once_flag once;
  static StrategyPtr strategy;
  std::call_once(once, [] { strategy = make_default(); });
  return strategy;
}

Device replica_device(int local_rank, int gpus) {
  return gpus > 0 ? Device::cuda(local_rank % gpus) : Device::cpu();
}

std::string format_rank_table(const std::vector<RankInfo>& rows) {
  std::string out = "Tandem data-parallel job: " + std::to_string(rows.size()) + " ranks\n";
  char line[256];
  std::snprintf(line, sizeof(line), "%-6s %-20s %-6s %-8s %-8s %s\n", "rank", "host", "local",
                "device", "backend", "threads");
  out += line;
  for (const RankInfo& r : rows) {
    std::snprintf(line, sizeof(line), "%-6d %-20s %-6d %-8s %-8s %d\n", r.rank, r.host.c_str(),
                  r.local_rank, r.device.c_str(), r.backend.c_str(), r.threads);
    out += line;
  }
  return out;
}

}  // namespace tandem::distributed
