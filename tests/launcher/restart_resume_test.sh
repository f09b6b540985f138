#!/usr/bin/env bash
# tandemrun --max-restarts with BackupAndRestore (issue 13): a job whose rank is killed once still
# finishes, with final weights equal to an uninterrupted run's, byte for byte.
#   restart_resume_test.sh <tandemrun> <dp_failure_helper>
# The helper (tests/mpi/dp_failure_helper.cc) trains 6 epochs of 32 steps on 2 ranks from seeded
# weights; in mode kill_once, rank 1 kills itself (SIGKILL) at step 5 of epoch 2 when
# TANDEM_RESTART_COUNT is 0, i.e. on the first run only.
set -uo pipefail

TANDEMRUN=$1
HELPER=$2
# Every process of the test carries this directory on its command line (the helper's arguments),
# which is how expect_no_strays finds them.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tandemrun-resume-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1
# Outside any Slurm job, whatever runs the tests (tandemrun would pick srun inside one).
unset SLURM_JOB_ID SLURM_NTASKS TANDEM_RESTART_COUNT
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
# A rank left waiting for a dead peer ends within this, whatever mpirun does.
export TANDEM_COMM_TIMEOUT=30

fail() {
  echo "FAIL: $*" >&2
  for f in "$WORK"/*.out "$WORK"/*.err; do
    [ -f "$f" ] && { echo "--- $f:" >&2; cat "$f" >&2; }
  done
  exit 1
}

# run <expected status> <name> <command...>: output into $WORK/<name>.out and .err.
run() {
  local expected=$1 name=$2
  shift 2
  timeout -k 5 100 "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
  local status=$?
  [ "$status" -eq "$expected" ] || fail "$name: expected exit status $expected, got $status from: $*"
}

expect_in() { grep -qF -- "$2" "$WORK/$1" || fail "$1 lacks: $2"; }

expect_no_strays() {
  local i
  for i in $(seq 50); do
    pgrep -f -- "$WORK" >/dev/null || return 0
    sleep 0.1
  done
  local pids
  pids=$(pgrep -f -- "$WORK" | tr '\n' ' ')
  ps -o pid,ppid,args -p "${pids// /,}" >&2 || true
  for pid in $pids; do kill -KILL "$pid" 2>/dev/null; done
  fail "processes left running: $pids"
}

# The uninterrupted run.
run 0 reference "$TANDEMRUN" -np 2 --oversubscribe --timeout 90 "$HELPER" train \
  "$WORK/reference-backup" "$WORK/reference.tdm" 6
expect_in reference.out "first step of this run: epoch 1 step 1"
[ -s "$WORK/reference.tdm" ] || fail "the uninterrupted run wrote no weights"
expect_no_strays

# Rank 1 dies in epoch 2; tandemrun starts the job again, which resumes from the backup of epoch 1
# (not from the start) and finishes.
run 0 restarted "$TANDEMRUN" -np 2 --oversubscribe --timeout 90 --max-restarts 1 \
  --output-dir "$WORK/logs" "$HELPER" kill_once "$WORK/backup" "$WORK/restarted.tdm" 6
expect_in restarted.err "tandemrun: rank 1 failed first, on host "
expect_in restarted.err "with signal 9 (SIGKILL)"
expect_in restarted.err "tandemrun: restarting the job (restart 1 of 1)"
expect_in logs/rank-0.log "--- tandemrun: restart 1 ---"
[ "$(grep -cF "first step of this run:" "$WORK/restarted.out")" -eq 2 ] ||
  fail "expected two runs, each printing its first step"
grep -F "first step of this run:" "$WORK/restarted.out" | head -n 1 |
  grep -qF "epoch 1 step 1" || fail "the first run did not start at epoch 1 step 1"
grep -F "first step of this run:" "$WORK/restarted.out" | tail -n 1 |
  grep -qF "epoch 2 step 1" || fail "the restarted run did not resume at epoch 2 step 1"
[ -s "$WORK/restarted.tdm" ] || fail "the restarted job wrote no weights"
cmp -s "$WORK/reference.tdm" "$WORK/restarted.tdm" ||
  fail "the restarted job's final weights differ from the uninterrupted run's"
expect_no_strays

echo PASS
