# Shared by up and down: a one-node Slurm cluster on this machine, from Debian's slurm-wlm and
# munge (scripts/install_deps.sh installs both). Node "localhost" (slurmd -N localhost: no
# assumption about the host name), proctrack/linuxproc, task/none, select/cons_tres, no cgroups,
# no accounting database. State and logs live in $STATE (a tmpfs under /run: gone after a reboot).

STATE=${TANDEM_SLURM_STATE:-/run/tandem-slurm}
CONF=/etc/slurm/slurm.conf
MARKER="# Written by Tandem's cluster/localhost-slurm/up"
MUNGE_PID=/run/munge/munged.pid

say() { echo "localhost-slurm: $*"; }
die() {
  echo "localhost-slurm: error: $*" >&2
  exit 1
}

need_root() {
  [ "$(id -u)" -eq 0 ] || die "run as root: it starts munged (as user munge), slurmctld and slurmd"
}

need_commands() {
  local missing=()
  for c in munged munge unmunge slurmctld slurmd sinfo scontrol squeue scancel srun sbatch; do
    command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] || missing+=("$c")
  done
  [ ${#missing[@]} -eq 0 ] ||
    die "missing ${missing[*]}: install slurm-wlm and munge (scripts/install_deps.sh does)"
}

# The pid in a pid file when that process is alive and runs the named program.
live_pid() {
  local file=$1 name=$2 pid
  [ -f "$file" ] || return 1
  pid=$(cat "$file" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
  grep -q "$name" "/proc/$pid/comm" 2>/dev/null || return 1
  echo "$pid"
}

munge_works() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

# Ends a process by pid: SIGTERM, then SIGKILL after $3 seconds.
stop_pid() {
  local pid=$1 name=$2 wait_s=${3:-10} i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq $((wait_s * 10))); do
    [ -d "/proc/$pid" ] || return 0
    sleep 0.1
  done
  say "$name (pid $pid) did not stop in ${wait_s} s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.2
}

node_state() { SLURM_CONF=$CONF sinfo -h -n localhost -o %t 2>/dev/null | head -n 1; }
