#include "hosts.h"

#include <netdb.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <utility>

namespace tandem::launcher {
namespace {

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

int local_cpu_count() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? static_cast<int>(n) : 1;
  }
  int n = CPU_COUNT(&set);
  return n > 0 ? n : 1;
}

int node_hardware_threads() {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

int local_core_count() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return local_cpu_count();
  std::set<std::pair<std::string, std::string>> cores;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &set)) continue;
    std::string dir = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    std::string package = read_first_line(dir + "physical_package_id");
    std::string core = read_first_line(dir + "core_id");
    if (core.empty()) return local_cpu_count();  // no topology: count hardware threads
    cores.emplace(package, core);
  }
  return cores.empty() ? 1 : static_cast<int>(cores.size());
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

bool is_local_host(const std::string& host) {
  if (host == "localhost" || host == "127.0.0.1" || host == "::1") return true;
  std::string self = host_name();
  if (host == self) return true;
  // "node1" names the node whose host name is "node1.cluster.example".
  return self.rfind(host + ".", 0) == 0;
}

std::vector<HostSlots> read_hostfile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw LaunchError("--hostfile " + path + ": cannot open it");
  std::vector<HostSlots> hosts;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    size_t hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    HostSlots hs;
    if (!(words >> hs.host)) continue;
    std::string where = "--hostfile " + path + " line " + std::to_string(number);
    std::string word;
    while (words >> word) {
      size_t eq = word.find('=');
      std::string key = word.substr(0, eq);
      std::string value = eq == std::string::npos ? "" : word.substr(eq + 1);
      if (key == "slots" || key == "max_slots" || key == "max-slots") {
        char* end = nullptr;
        long n = std::strtol(value.c_str(), &end, 10);
        if (value.empty() || *end != '\0' || n < 1 || n > 1000000) {
          throw LaunchError(where + ": " + key + " expects a positive integer, received '" + value +
                            "'");
        }
        if (key == "slots") hs.slots = static_cast<int>(n);
      } else {
        throw LaunchError(where + ": expected 'host [slots=N] [max_slots=M]', received '" + word +
                          "'");
      }
    }
    if (!hs.slots && is_local_host(hs.host)) hs.slots = local_core_count();
    hosts.push_back(hs);
  }
  if (hosts.empty()) throw LaunchError("--hostfile " + path + ": no hosts in it");
  return hosts;
}

void check_hosts_resolve(const std::vector<HostSlots>& hosts, const std::string& source) {
  std::set<std::string> seen;
  for (const auto& hs : hosts) {
    if (!seen.insert(hs.host).second) continue;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* result = nullptr;
    int rc = getaddrinfo(hs.host.c_str(), nullptr, &hints, &result);
    if (rc != 0) {
      throw LaunchError("unknown host '" + hs.host + "' (from " + source +
                        "): it does not resolve (" + gai_strerror(rc) + ")");
    }
    freeaddrinfo(result);
  }
}

std::optional<int> total_slots(const std::vector<HostSlots>& hosts) {
  int total = 0;
  for (const auto& hs : hosts) {
    if (!hs.slots) return std::nullopt;
    total += *hs.slots;
  }
  return total;
}

}  // namespace tandem::launcher
