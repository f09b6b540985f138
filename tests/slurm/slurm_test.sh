#!/usr/bin/env bash
# Slurm tests on the localhost cluster (cluster/localhost-slurm/up):
#   slurm_test.sh <case> <templates dir> <fashion_mnist_mlp> <tandemrun> <rank_probe>
#                 [<dp_failure_helper>]
set -uo pipefail

case_name=$1
TEMPLATES=$2
EXAMPLE=$3
TANDEMRUN=$4
PROBE=$5
HELPER=${6:-}
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

# wait_for <seconds> <what> <command...>: until the command succeeds.
wait_for() {
  local seconds=$1 what=$2 i
  shift 2
  for i in $(seq $((seconds * 5))); do
    "$@" && return 0
    sleep 0.2
  done
  fail "timed out after $seconds s waiting for $what"
}
job_ended() { [ -z "$(squeue -h -j "$1" -o %T 2>/dev/null)" ]; }
# Requeued (pending again), the node idle and the first run's slurmstepds gone: a run started
# before they finish fails, its step's PMIx socket (named after the job and step) still in use.
job_requeued() {
  [ "$(squeue -h -j "$1" -o %T 2>/dev/null)" = PENDING ] &&
    [ "$(sinfo -h -n localhost -o %T 2>/dev/null)" = idle ] &&
    ! pgrep -f "^slurmstepd: \[$1\." >/dev/null
}

# No process may carry the token or this test's directory (the preemption jobs' arguments).
expect_no_strays() {
  for i in $(seq 50); do
    pgrep -f -- "$TOKEN" >/dev/null || pgrep -f -- "$WORK" >/dev/null || return 0
    sleep 0.1
  done
  fail "processes left running: $(pgrep -af -- "$TOKEN"; pgrep -af -- "$WORK")"
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

  preempt_usr1 | preempt_term)
    # Preemption (issue 13): a 2-rank job training with BackupAndRestore (dp_failure_helper, 16
    # epochs of 16 steps from seeded weights; in mode slow its steps after the first epoch sleep
    # 50 ms on a job's first run, so the signal arrives mid-training) is sent a preemption notice
    # once rank 0 has printed "training started". Every rank stops at the same step, the chief
    # saves it, the job's status is 75; run again, the job resumes at that step and ends with the
    # uninterrupted job's weights, byte for byte.
    #   preempt_usr1: scancel --signal=USR1 (what the templates' --signal=USR1@T sends) to a
    #     --no-requeue job: it fails with ExitCode 75 and is resubmitted.
    #   preempt_term: scancel --signal=TERM to a requeueable job: the template requeues it on 75
    #     and its second run resumes.
    export OMP_NUM_THREADS=1
    EPOCHS=16
    submit 0 reference.out "$TEMPLATES/multi-node.sbatch" "$HELPER" train "$WORK/reference-backup" \
      "$WORK/reference.tdm" $EPOCHS
    [ -s "$WORK/reference.tdm" ] || fail "the uninterrupted job wrote no weights"
    if [ "$case_name" = preempt_usr1 ]; then
      signal=USR1
      requeue=--no-requeue
    else
      signal=TERM
      requeue=--requeue
    fi
    timeout 30 sbatch --parsable --output="$WORK/preempted.out" "${FIT[@]}" $requeue \
      "$TEMPLATES/multi-node.sbatch" "$HELPER" slow "$WORK/backup" "$WORK/preempted.tdm" \
      $EPOCHS >"$WORK/sbatch.id" 2>"$WORK/sbatch.err"
    JOB=$(head -n 1 "$WORK/sbatch.id" | cut -d';' -f1)
    [ -n "$JOB" ] || fail "sbatch did not submit: $(cat "$WORK/sbatch.err")"
    JOBS+=("$JOB")
    wait_for 60 "job $JOB to start training" grep -sqF "training started" "$WORK/preempted.out"
    scancel --signal=$signal "$JOB" || fail "scancel --signal=$signal $JOB failed"
    if [ "$case_name" = preempt_usr1 ]; then
      wait_for 60 "job $JOB to end" job_ended "$JOB"
      code=$(scontrol show job "$JOB" | grep -o 'ExitCode=[0-9]*:[0-9]*' | head -n 1)
      [ "$code" = "ExitCode=75:0" ] || fail "job $JOB: scontrol says $code, expected 75:0"
      expect_in preempted.out "job $JOB is not requeueable (--no-requeue): resubmit it to resume"
    else
      # The template requeues the job; Slurm holds a requeued job back for about two minutes
      # (its EligibleTime). Once the node has cleaned up after the first run, let it start now.
      wait_for 60 "job $JOB to be requeued" job_requeued "$JOB"
      scontrol update jobid="$JOB" StartTime=now || fail "could not release job $JOB"
      wait_for 60 "job $JOB to end" job_ended "$JOB"
      scontrol show job "$JOB" | grep -q 'Restarts=1 ' || fail "job $JOB did not run twice"
      code=$(scontrol show job "$JOB" | grep -o 'ExitCode=[0-9]*:[0-9]*' | head -n 1)
      [ "$code" = "ExitCode=0:0" ] || fail "job $JOB: scontrol says $code, expected 0:0"
      expect_in preempted.out "tandem: preempted (exit status 75): requeueing job $JOB (restart 1)"
    fi
    # Every rank stopped, at the same step; the chief saved it.
    stop0=$(grep -o 'rank 0 stopped for preemption after [0-9]* steps' "$WORK/preempted.out")
    stop1=$(grep -o 'rank 1 stopped for preemption after [0-9]* steps' "$WORK/preempted.out")
    [ -n "$stop0" ] || fail "rank 0 did not stop for the preemption"
    [ -n "$stop1" ] || fail "rank 1 did not stop for the preemption"
    [ "${stop0#rank 0}" = "${stop1#rank 1}" ] || fail "the ranks stopped at different steps"
    where=$(grep -o 'Preempted: stopped after step [0-9]* of epoch [0-9]*' "$WORK/preempted.out")
    [ -n "$where" ] || fail "no 'Preempted: stopped after step S of epoch E' line"
    step=$(echo "$where" | awk '{print $5}')
    epoch=$(echo "$where" | awk '{print $8}')
    expect_in preempted.out "srun: error: localhost: tasks 0-1: Exited with exit code 75"
    if [ "$case_name" = preempt_usr1 ]; then
      [ -s "$WORK/backup/backup.tdm" ] || fail "no backup in $WORK/backup"
      [ ! -e "$WORK/preempted.tdm" ] || fail "the preempted job wrote final weights"
      # Run again (without the sleeps: they change nothing but the time).
      submit 0 resumed.out "$TEMPLATES/multi-node.sbatch" "$HELPER" train "$WORK/backup" \
        "$WORK/preempted.tdm" $EPOCHS
      resumed=resumed.out
    else
      resumed=preempted.out
    fi
    # The second run started right after the saved step, not from the beginning. The first run
    # started at epoch 1 step 1 and stopped after its N-th step, step S of epoch E (E >= 2), so an
    # epoch has (N - S) / (E - 1) steps; after an epoch's last step comes the next epoch's first.
    steps_run=$(echo "$stop0" | awk '{print $7}')
    [ "$epoch" -ge 2 ] || fail "the job stopped in epoch $epoch, before training started"
    per_epoch=$(((steps_run - step) / (epoch - 1)))
    if [ "$step" -eq "$per_epoch" ]; then
      expect_in $resumed "first step of this run: epoch $((epoch + 1)) step 1"
    else
      expect_in $resumed "first step of this run: epoch $epoch step $((step + 1))"
    fi
    [ -s "$WORK/preempted.tdm" ] || fail "the resumed job wrote no weights"
    cmp -s "$WORK/reference.tdm" "$WORK/preempted.tdm" ||
      fail "the resumed job's final weights differ from the uninterrupted job's"
    expect_no_strays
    ;;

  *)
    fail "unknown case"
    ;;
esac
echo "PASS ($case_name)"
