#!/usr/bin/env bash
# Slurm tests on the localhost cluster (cluster/localhost-slurm/up):
#   slurm_test.sh <case> <templates dir> <fashion_mnist_mlp> <tandemrun> <rank_probe>
set -uo pipefail

case_name=$1
TEMPLATES=$2
EXAMPLE=$3
TANDEMRUN=$4
PROBE=$5
WORK=$(mktemp -d "${TMPDIR:-/tmp}/slurm-test.XXXXXX")
chmod 755 "$WORK"
TOKEN="slurm-test-token-$$-$RANDOM$RANDOM"
JOBS=()
cleanup() {
  for job in "${JOBS[@]}"; do scancel "$job" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK" || exit 1
# This machine's name as the ranks see it (the Slurm node itself is called localhost).
HOST=$(hostname)
# The job must not inherit a surrounding job's or test's settings.
unset SLURM_JOB_ID SLURM_NTASKS OMP_NUM_THREADS

fail() {
  echo "FAIL ($case_name): $*" >&2
  for f in "$WORK"/*.out; do
    [ -f "$f" ] && { echo "--- $f:" >&2; cat "$f" >&2; }
  done
  exit 1
}

# Options that fit the templates to a 2-CPU node without GPUs; sbatch's command line wins over
# the scripts' #SBATCH lines.
FIT=(--nodes=1 --ntasks-per-node=2 --cpus-per-task=1 --gpus-per-node=0 --time=5
     --chdir="$WORK" --export=ALL)

# submit <expected exit status, or "nonzero"> <output name> <sbatch arguments...>: runs a job to
# its end (sbatch --wait exits with the job's status) and sets JOB to its id.
submit() {
  local expected=$1 out=$2
  shift 2
  timeout 100 sbatch --wait --parsable --output="$WORK/$out" "${FIT[@]}" "$@" >"$WORK/sbatch.id" \
    2>"$WORK/sbatch.err"
  local status=$?
  JOB=$(head -n 1 "$WORK/sbatch.id" | cut -d';' -f1)
  [ -n "$JOB" ] && JOBS+=("$JOB")
  [ -n "$JOB" ] || fail "sbatch did not submit: $(cat "$WORK/sbatch.err")"
  [ "$status" -ne 124 ] || fail "job $JOB did not end within 100 s"
  local code
  code=$(scontrol show job "$JOB" | grep -o 'ExitCode=[0-9]*:[0-9]*' | head -n 1)
  if [ "$expected" = nonzero ]; then
    [ "$status" -ne 0 ] || fail "job $JOB: sbatch --wait returned 0, expected a failure"
    [ "$code" = "ExitCode=$status:0" ] || fail "job $JOB: scontrol says $code, sbatch $status"
    return
  fi
  [ "$status" -eq "$expected" ] ||
    fail "job $JOB: sbatch --wait returned $status, expected $expected ($(cat "$WORK/sbatch.err"))"
  [ "$code" = "ExitCode=$expected:0" ] || fail "job $JOB: scontrol says $code, expected $expected:0"
}

expect_in() { grep -qF -- "$2" "$WORK/$1" || fail "$1 lacks: $2"; }

expect_no_strays() {
  for i in $(seq 50); do
    pgrep -f -- "$TOKEN" >/dev/null || return 0
    sleep 0.1
  done
  fail "processes left running: $(pgrep -af -- "$TOKEN")"
}

case "$case_name" in
  sbatch_trains)
    submit 0 train.out "$TEMPLATES/single-node-gpus.sbatch" "$EXAMPLE" --epochs 1 \
      --train-samples 2048 --test-samples 512 --min-accuracy 0.4
    expect_in train.out "Tandem data-parallel job: 2 ranks"
    grep -qE '^0 +[^ ]+ +0 ' train.out || fail "no rank 0 in the startup table"
    grep -qE '^1 +[^ ]+ +1 ' train.out || fail "no rank 1 in the startup table"
    grep -qE '^Test accuracy: 0\.[4-9]' train.out || fail "no test accuracy of at least 0.4"
    ;;

  failing_rank)
    # Through srun: Slurm names the task. (The job's status is srun's: the highest of the ranks',
    # here 143 from rank 0, which srun ended with SIGTERM.)
    submit nonzero srun.out "$TEMPLATES/multi-node.sbatch" "$PROBE" fail 1 3 "$TOKEN"
    expect_in srun.out "rank 1 is about to fail"
    expect_in srun.out "srun: error: localhost: task 1: Exited with exit code 3"
    expect_no_strays
    # Through tandemrun: one summary line names rank 1, its host and exit code; rank 1's log.
    submit 3 tandemrun.out --export=ALL,TANDEMRUN="$TANDEMRUN" "$TEMPLATES/multi-node.sbatch" \
      "$PROBE" fail 1 3 "$TOKEN"
    expect_in tandemrun.out "tandemrun: rank 1 failed first, on host $HOST, with exit code 3 (log: tandem-logs-$JOB/rank-1.log); its last lines:"
    expect_in tandemrun.out "  [1] rank 1 is about to fail"
    grep -qF "rank 1 is about to fail" "$WORK/tandem-logs-$JOB/rank-1.log" ||
      fail "tandem-logs-$JOB/rank-1.log lacks rank 1's output"
    expect_no_strays
    ;;

  *)
    fail "unknown case"
    ;;
esac
echo "PASS ($case_name)"
