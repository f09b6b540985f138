// Hosts and slots for mpirun: hostfiles, host name checks, this node's cores.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "options.h"

namespace tandem::launcher {

// Reads an Open MPI hostfile: "host [slots=N] [max_slots=M]" per line, '#' comments. A line
// without slots= gets this node's core count for a local host and "unknown" for a remote one
// (Open MPI asks the remote node). Throws LaunchError naming the file and line.
std::vector<HostSlots> read_hostfile(const std::string& path);

// Throws LaunchError for the first host name that does not resolve.
void check_hosts_resolve(const std::vector<HostSlots>& hosts, const std::string& source);

// The total slots; nullopt when a host's count is unknown.
std::optional<int> total_slots(const std::vector<HostSlots>& hosts);

// Physical cores this process may run on (what Open MPI counts as slots on a node), at least 1.
int local_core_count();

// CPUs (hardware threads) this process may run on, at least 1.
int local_cpu_count();
// The node's online hardware threads, whatever this process's affinity mask.
int node_hardware_threads();

// This node's host name.
std::string host_name();

bool is_local_host(const std::string& host);

}  // namespace tandem::launcher
