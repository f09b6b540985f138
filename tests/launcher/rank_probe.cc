// A stand-in rank for tandemrun's tests: no MPI, no Tandem; it reads its rank from the launcher's
// variables and behaves as told:
//   rank_probe print                  prints its rank, size, host and environment settings
//   rank_probe fail R CODE            rank R prints a line and exits CODE; the others wait 60 s
//   rank_probe signal R SIG           rank R prints a line and kills itself with SIG; others wait
//   rank_probe hang R                 rank R waits forever; the others exit 0
//   rank_probe fail-once R CODE       rank R exits CODE on the first run (TANDEM_RESTART_COUNT 0)
//   rank_probe wait-usr1              prints "ready", exits 0 on SIGUSR1 (1 after 60 s without)
// Extra arguments are ignored (the tests pass a unique token to find stray processes).
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

volatile sig_atomic_t g_usr1 = 0;
void on_usr1(int) { g_usr1 = 1; }

int env_int(const char* a, const char* b, int fallback) {
  for (const char* name : {a, b}) {
    const char* v = std::getenv(name);
    if (v != nullptr && *v != '\0') return std::atoi(v);
  }
  return fallback;
}

const char* env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "print";
  int rank = env_int("OMPI_COMM_WORLD_RANK", "SLURM_PROCID", -1);
  int size = env_int("OMPI_COMM_WORLD_SIZE", "SLURM_NTASKS", -1);
  int target = argc > 2 ? std::atoi(argv[2]) : 0;
  int value = argc > 3 ? std::atoi(argv[3]) : 1;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  if (mode == "print") {
    std::printf("rank %d of %d on %s\n", rank, size, host);
    std::printf("rank %d OMP_NUM_THREADS=%s OPENBLAS_NUM_THREADS=%s\n", rank,
                env_or("OMP_NUM_THREADS", "unset"), env_or("OPENBLAS_NUM_THREADS", "unset"));
    std::printf("rank %d CUDA_VISIBLE_DEVICES=%s\n", rank, env_or("CUDA_VISIBLE_DEVICES", "unset"));
    std::printf("rank %d TANDEM_PROBE_VALUE=%s PROBE_EXTRA=%s TANDEM_COMM_TIMEOUT=%s\n", rank,
                env_or("TANDEM_PROBE_VALUE", "unset"), env_or("PROBE_EXTRA", "unset"),
                env_or("TANDEM_COMM_TIMEOUT", "unset"));
    std::fprintf(stderr, "rank %d writes to stderr\n", rank);
    return 0;
  }
  if (mode == "fail" || mode == "signal") {
    if (rank == target) {
      std::printf("rank %d is about to %s\n", rank, mode == "fail" ? "fail" : "be killed");
      std::fprintf(stderr, "rank %d: last words on stderr\n", rank);
      if (mode == "signal") raise(value);
      return value;
    }
    sleep(60);
    return 0;
  }
  if (mode == "hang") {
    if (rank == target) {
      std::printf("rank %d hangs\n", rank);
      while (true) pause();
    }
    return 0;
  }
  if (mode == "fail-once") {
    int restart = env_int("TANDEM_RESTART_COUNT", "TANDEM_RESTART_COUNT", -1);
    if (rank == target && restart == 0) {
      std::printf("rank %d fails on the first run\n", rank);
      return value;
    }
    std::printf("rank %d ok on restart %d\n", rank, restart);
    return 0;
  }
  if (mode == "wait-usr1") {
    signal(SIGUSR1, on_usr1);
    std::printf("rank %d ready\n", rank);
    for (int i = 0; i < 600 && !g_usr1; ++i) usleep(100000);
    std::printf("rank %d %s\n", rank, g_usr1 ? "got SIGUSR1" : "got no signal");
    return g_usr1 ? 0 : 1;
  }
  std::fprintf(stderr, "rank_probe: unknown mode '%s'\n", mode.c_str());
  return 2;
}
