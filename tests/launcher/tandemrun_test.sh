#!/usr/bin/env bash
# tandemrun's tests, one case per ctest test: tandemrun_test.sh <case> <tandemrun> <rank_probe>.
# Each case runs tandemrun, checks its exit status and output, and checks that no process it
# started is left (every real run carries a unique token on its command line).
set -uo pipefail

case_name=$1
TANDEMRUN=$2
PROBE=$3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tandemrun-test.XXXXXX")
TOKEN="tandemrun-test-token-$$-$RANDOM$RANDOM"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1
# Outside any Slurm job, whatever runs the tests (tandemrun would pick srun inside one).
unset SLURM_JOB_ID SLURM_NTASKS

fail() {
  echo "FAIL ($case_name): $*" >&2
  echo "--- stdout:" >&2
  cat "$WORK/out" >&2 2>/dev/null
  echo "--- stderr:" >&2
  cat "$WORK/err" >&2 2>/dev/null
  exit 1
}

# run <expected status> <command...>: output into $WORK/out and $WORK/err.
run() {
  local expected=$1
  shift
  "$@" >"$WORK/out" 2>"$WORK/err"
  local status=$?
  [ "$status" -eq "$expected" ] || fail "expected exit status $expected, got $status from: $*"
}

# A clean environment for exact command lines: no TANDEM_*, no SLURM_*, PATH as given.
clean_env() {
  env -i PATH="$1" HOME="${HOME:-/root}" "${@:2}"
}

expect_out() { grep -qF -- "$1" "$WORK/out" || fail "stdout lacks: $1"; }
expect_err() { grep -qF -- "$1" "$WORK/err" || fail "stderr lacks: $1"; }
expect_no_out() { ! grep -qF -- "$1" "$WORK/out" || fail "stdout has: $1"; }

# No process with our token may remain (ranks are given up to 5 s to go).
expect_no_strays() {
  local i
  for i in $(seq 50); do
    pgrep -f -- "$TOKEN" >/dev/null || return 0
    sleep 0.1
  done
  local pids
  pids=$(pgrep -f -- "$TOKEN" | tr '\n' ' ')
  ps -o pid,ppid,args -p "${pids// /,}" >&2 || true
  for pid in $pids; do kill -KILL "$pid" 2>/dev/null; done
  fail "processes left running: $pids"
}

MPIRUN=$(command -v mpirun) || MPIRUN=""
ROOT_FLAG=""
[ "$(id -u)" -eq 0 ] && ROOT_FLAG=" --allow-run-as-root"
HOST=$(hostname)
TR=$(readlink -f "$TANDEMRUN")

# A directory with a fake srun (prints its arguments) for srun command lines.
fake_srun_dir() {
  mkdir -p "$WORK/fakebin"
  printf '#!/bin/sh\necho fake-srun "$@"\n' >"$WORK/fakebin/srun"
  chmod +x "$WORK/fakebin/srun"
  echo "$WORK/fakebin"
}

case "$case_name" in
  dry_run_mpirun)
    [ -n "$MPIRUN" ] || fail "mpirun is not installed"
    run 0 clean_env "$PATH" "$TANDEMRUN" -np 2 --dry-run "$PROBE" print "two words"
    expected="$MPIRUN -np 2 --map-by slot --bind-to none$ROOT_FLAG $TR --rank-wrapper --threads auto -- $PROBE print 'two words'"
    [ "$(cat out)" = "$expected" ] || fail "expected the command: $expected"
    # A relative program path becomes absolute; "--" ends tandemrun's options.
    cp "$PROBE" ./probe
    run 0 clean_env "$PATH" "$TANDEMRUN" -n 1 --dry-run -- ./probe -np 5
    expected="$MPIRUN -np 1 --map-by slot --bind-to none$ROOT_FLAG $TR --rank-wrapper --threads auto -- $WORK/probe -np 5"
    [ "$(cat out)" = "$expected" ] || fail "expected the command: $expected"
    ;;

  dry_run_mpirun_options)
    run 0 clean_env "$PATH" TANDEM_FUSION_THRESHOLD=1024 "$TANDEMRUN" -np 3 -H localhost:2 \
      -H 127.0.0.1 --oversubscribe --threads-per-rank 3 --gpus-per-node 2 --output-dir logs \
      --tag-output --bind-to core --comm-timeout 7.5 -x PROBE_EXTRA=a=b --dry-run "$PROBE"
    expected="$MPIRUN -np 3 --map-by slot --bind-to core$ROOT_FLAG --oversubscribe -H localhost:2,127.0.0.1:1 $TR --rank-wrapper --threads 3 --gpus 2 --log-dir $WORK/logs --tag-output --env PROBE_EXTRA=a=b --env TANDEM_COMM_TIMEOUT=7.5 --env TANDEM_FUSION_THRESHOLD=1024 -- $PROBE"
    [ "$(cat out)" = "$expected" ] || fail "expected the command: $expected"
    [ ! -e logs ] || fail "--dry-run created the output directory"
    printf 'localhost slots=2\n# a comment\n127.0.0.1 slots=1 max_slots=4\n' >hosts
    run 0 clean_env "$PATH" "$TANDEMRUN" -np 3 --hostfile hosts --dry-run "$PROBE"
    expected="$MPIRUN -np 3 --map-by slot --bind-to none$ROOT_FLAG --hostfile $WORK/hosts $TR --rank-wrapper --threads auto -- $PROBE"
    [ "$(cat out)" = "$expected" ] || fail "expected the command: $expected"
    ;;

  dry_run_srun)
    bin=$(fake_srun_dir)
    run 0 clean_env "$bin:$PATH" SLURM_JOB_ID=42 SLURM_NTASKS=4 "$TANDEMRUN" -np 4 --dry-run \
      "$PROBE" print
    expected="$bin/srun --mpi=pmix -n 4 --kill-on-bad-exit=1 $TR --rank-wrapper --threads auto -- $PROBE print"
    [ "$(cat out)" = "$expected" ] || fail "expected the command: $expected"
    # More ranks than the allocation's tasks.
    run 2 clean_env "$bin:$PATH" SLURM_JOB_ID=42 SLURM_NTASKS=2 "$TANDEMRUN" -np 3 --dry-run "$PROBE"
    expect_err "tandemrun: error: -np 3 is more than the allocation's 2 tasks (SLURM_NTASKS)"
    run 0 clean_env "$bin:$PATH" SLURM_JOB_ID=42 SLURM_NTASKS=2 "$TANDEMRUN" -np 3 \
      --oversubscribe --bind-to socket --dry-run "$PROBE"
    expected="$bin/srun --mpi=pmix -n 3 --kill-on-bad-exit=1 --cpu-bind=sockets --overcommit $TR --rank-wrapper --threads auto -- $PROBE"
    [ "$(cat out)" = "$expected" ] || fail "expected the command: $expected"
    # --launcher mpirun inside an allocation; hosts are refused under srun.
    run 0 clean_env "$bin:$PATH" SLURM_JOB_ID=42 "$TANDEMRUN" -np 1 --launcher mpirun --dry-run \
      "$PROBE"
    expect_out "$MPIRUN -np 1 "
    run 2 clean_env "$bin:$PATH" SLURM_JOB_ID=42 "$TANDEMRUN" -np 1 -H localhost:1 --dry-run "$PROBE"
    expect_err "-H and --hostfile choose hosts for mpirun"
    ;;

  usage_errors)
    run 2 "$TANDEMRUN" "$PROBE"
    expect_err "tandemrun: error: missing -np N (the number of ranks)"
    run 2 "$TANDEMRUN" -np 2
    expect_err "tandemrun: error: missing the program to run"
    run 2 "$TANDEMRUN" -np 0 "$PROBE"
    expect_err "tandemrun: error: -np expects an integer >= 1, received '0'"
    run 2 "$TANDEMRUN" -np 2 --frobnicate "$PROBE"
    expect_err "tandemrun: error: unknown option '--frobnicate' (tandemrun --help lists the options)"
    run 2 "$TANDEMRUN" -np 2 --timeout -1 "$PROBE"
    expect_err "--timeout expects a positive number of seconds, received '-1'"
    run 2 "$TANDEMRUN" -np 2 --launcher slurm "$PROBE"
    expect_err "--launcher expects auto, mpirun or srun, received 'slurm'"
    run 2 "$TANDEMRUN" -np 2 -H a:1 --hostfile f "$PROBE"
    expect_err "give -H or --hostfile, not both"
    run 2 env -u PROBE_UNSET_VARIABLE "$TANDEMRUN" -np 2 -x PROBE_UNSET_VARIABLE "$PROBE"
    expect_err "-x PROBE_UNSET_VARIABLE: PROBE_UNSET_VARIABLE is not set in tandemrun's environment"
    run 0 "$TANDEMRUN" --help
    expect_out "usage: tandemrun -np N [options] program [args...]"
    ;;

  no_mpi)
    mkdir empty
    run 2 clean_env "$WORK/empty" "$TANDEMRUN" -np 2 "$PROBE"
    expect_err "tandemrun: error: no MPI found: mpirun is not on PATH"
    # An mpirun that is not Open MPI's.
    mkdir bin
    printf '#!/bin/sh\necho "HYDRA build details:"\n' >bin/mpirun
    chmod +x bin/mpirun
    run 2 clean_env "$WORK/bin" "$TANDEMRUN" -np 2 "$PROBE"
    expect_err "is not Open MPI's mpirun (it says 'HYDRA build details:')"
    ;;

  too_many_ranks)
    run 2 "$TANDEMRUN" -np 3 -H localhost:2 "$PROBE"
    expect_err "tandemrun: error: -np 3 is more than the 2 slots (2 slots given by -H); pass --oversubscribe to run more ranks than slots, or add hosts"
    run 2 env "$TANDEMRUN" -np 100000 "$PROBE"
    expect_err "tandemrun: error: -np 100000 is more than the "
    expect_err " cores of this node); pass --oversubscribe"
    run 0 "$TANDEMRUN" -np 100000 --oversubscribe --dry-run "$PROBE"
    ;;

  unknown_host)
    run 2 "$TANDEMRUN" -np 2 -H localhost:1,no-such-host.invalid:1 "$PROBE"
    expect_err "tandemrun: error: unknown host 'no-such-host.invalid' (from -H): it does not resolve"
    printf 'localhost slots=1\nno-such-host.invalid slots=1\n' >hosts
    run 2 "$TANDEMRUN" -np 2 --hostfile hosts "$PROBE"
    expect_err "tandemrun: error: unknown host 'no-such-host.invalid' (from --hostfile hosts)"
    ;;

  hostfile)
    run 2 "$TANDEMRUN" -np 2 --hostfile missing-hostfile "$PROBE"
    expect_err "tandemrun: error: --hostfile missing-hostfile: cannot open it"
    printf 'localhost slots=two\n' >bad
    run 2 "$TANDEMRUN" -np 2 --hostfile bad "$PROBE"
    expect_err "tandemrun: error: --hostfile bad line 1: slots expects a positive integer, received 'two'"
    printf '# nothing\n\n' >empty
    run 2 "$TANDEMRUN" -np 2 --hostfile empty "$PROBE"
    expect_err "tandemrun: error: --hostfile empty: no hosts in it"
    printf 'localhost slots=1\n' >one
    run 2 "$TANDEMRUN" -np 2 --hostfile one "$PROBE"
    expect_err "-np 2 is more than the 1 slots (1 slots given by --hostfile one)"
    ;;

  missing_program)
    run 2 "$TANDEMRUN" -np 2 ./does-not-exist
    expect_err "tandemrun: error: program './does-not-exist' not found (No such file or directory)"
    printf '#!/bin/sh\n' >not-executable
    chmod 644 not-executable
    run 2 "$TANDEMRUN" -np 2 ./not-executable
    expect_err "tandemrun: error: program './not-executable' is not executable (mode 0644; chmod +x it)"
    mkdir adir
    run 2 "$TANDEMRUN" -np 2 ./adir
    expect_err "tandemrun: error: program './adir' is a directory"
    run 2 "$TANDEMRUN" -np 2 no-such-program-on-path
    expect_err "tandemrun: error: program 'no-such-program-on-path' not found: it is not on PATH"
    ;;

  srun_outside_allocation)
    bin=$(fake_srun_dir)
    run 2 clean_env "$bin:$PATH" "$TANDEMRUN" -np 2 --launcher srun "$PROBE"
    expect_err "tandemrun: error: srun outside an allocation: SLURM_JOB_ID is not set."
    run 2 clean_env "$WORK/empty-path" SLURM_JOB_ID=42 "$TANDEMRUN" -np 2 "$PROBE"
    expect_err "tandemrun: error: srun not found on PATH"
    ;;

  two_ranks)
    run 0 env TANDEM_PROBE_VALUE=from-env "$TANDEMRUN" -np 2 --oversubscribe \
      -x PROBE_EXTRA=given --comm-timeout 9 "$PROBE" print "$TOKEN"
    expect_out "rank 0 of 2 on $HOST"
    expect_out "rank 1 of 2 on $HOST"
    expect_out "rank 0 TANDEM_PROBE_VALUE=from-env PROBE_EXTRA=given TANDEM_COMM_TIMEOUT=9"
    expect_out "rank 1 TANDEM_PROBE_VALUE=from-env PROBE_EXTRA=given TANDEM_COMM_TIMEOUT=9"
    expect_err "rank 1 writes to stderr"
    ! grep -q "@@tandemrun@@" out err || fail "the ranks' reports leaked into the output"
    expect_no_strays
    ;;

  tag_output)
    run 0 "$TANDEMRUN" -np 2 --oversubscribe --tag-output "$PROBE" print \
      "$TOKEN"
    expect_out "[0] rank 0 of 2 on $HOST"
    expect_out "[1] rank 1 of 2 on $HOST"
    expect_err "[1] rank 1 writes to stderr"
    # Every line carries its own rank.
    bad=$(cat out err | grep -v -E '^\[([01])\] rank \1 ' || true)
    [ -z "$bad" ] || fail "lines without their rank's prefix: $bad"
    expect_no_strays
    ;;

  output_dir)
    run 0 "$TANDEMRUN" -np 2 --oversubscribe --output-dir "$WORK/logs/sub" \
      "$PROBE" print "$TOKEN"
    for r in 0 1; do
      other=$((1 - r))
      log="$WORK/logs/sub/rank-$r.log"
      [ -f "$log" ] || fail "no $log"
      grep -qF "rank $r of 2 on $HOST" "$log" || fail "$log lacks its stdout"
      grep -qF "rank $r writes to stderr" "$log" || fail "$log lacks its stderr"
      ! grep -qF "rank $other " "$log" || fail "$log has rank $other's output"
    done
    # Output still reaches the terminal, unprefixed.
    expect_out "rank 0 of 2 on $HOST"
    expect_no_strays
    ;;

  threads)
    run 0 "$TANDEMRUN" -np 2 --oversubscribe --threads-per-rank 3 \
      --gpus-per-node 2 "$PROBE" print "$TOKEN"
    expect_out "rank 0 OMP_NUM_THREADS=3 OPENBLAS_NUM_THREADS=3"
    expect_out "rank 1 OMP_NUM_THREADS=3 OPENBLAS_NUM_THREADS=3"
    expect_out "rank 0 CUDA_VISIBLE_DEVICES=0"
    expect_out "rank 1 CUDA_VISIBLE_DEVICES=1"
    # --gpus-per-node picks from the node's visible GPUs.
    run 0 env CUDA_VISIBLE_DEVICES=5,7 "$TANDEMRUN" -np 2 --oversubscribe \
      --gpus-per-node 2 "$PROBE" print "$TOKEN"
    expect_out "rank 0 CUDA_VISIBLE_DEVICES=5"
    expect_out "rank 1 CUDA_VISIBLE_DEVICES=7"
    # Default: an OMP_NUM_THREADS already set is kept; else the library's rule
    # (kernels/common/threads_per_rank.h): the mask's CPUs over the ranks sharing them.
    run 0 env OMP_NUM_THREADS=5 "$TANDEMRUN" -np 2 --oversubscribe "$PROBE" \
      print "$TOKEN"
    expect_out "rank 1 OMP_NUM_THREADS=5 OPENBLAS_NUM_THREADS=5"
    run 0 env -u OMP_NUM_THREADS -u OPENBLAS_NUM_THREADS "$TANDEMRUN" -np 2 \
      --oversubscribe "$PROBE" print "$TOKEN"
    mask=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)  # nproc honours OMP_NUM_THREADS
    online=$(getconf _NPROCESSORS_ONLN)
    sharing=$(( (2 * mask + online - 1) / online ))
    auto=$(( mask / sharing > 0 ? mask / sharing : 1 ))
    expect_out "rank 1 OMP_NUM_THREADS=$auto OPENBLAS_NUM_THREADS=$auto"
    expect_no_strays
    ;;

  failure_summary)
    run 3 env "$TANDEMRUN" -np 2 --oversubscribe --output-dir logs "$PROBE" \
      fail 1 3 "$TOKEN"
    expect_err "tandemrun: rank 1 failed first, on host $HOST, with exit code 3 (log: logs/rank-1.log); its last lines:"
    expect_err "  [1] rank 1 is about to fail"
    expect_err "  [1] rank 1: last words on stderr"
    [ "$(grep -c '^tandemrun: rank' err)" -eq 1 ] || fail "expected one summary line"
    [ "$(tail -n 3 err | head -n 1 | cut -c1-16)" = "tandemrun: rank " ] ||
      fail "the summary is not at the end"
    expect_no_strays
    ;;

  signal_summary)
    run 137 env "$TANDEMRUN" -np 2 --oversubscribe "$PROBE" signal 0 9 "$TOKEN"
    expect_err "tandemrun: rank 0 failed first, on host $HOST, with signal 9 (SIGKILL); its last lines:"
    expect_err "  [0] rank 0 is about to be killed"
    expect_no_strays
    ;;

  timeout)
    start=$SECONDS
    run 124 env "$TANDEMRUN" -np 2 --oversubscribe --timeout 2 "$PROBE" hang 1 \
      "$TOKEN"
    expect_err "tandemrun: timeout after 2 s: rank 1 (host $HOST) had not finished; the job was ended"
    [ $((SECONDS - start)) -lt 60 ] || fail "the timeout took $((SECONDS - start)) s"
    expect_no_strays
    ;;

  max_restarts)
    run 4 env "$TANDEMRUN" -np 2 --oversubscribe "$PROBE" fail-once 1 4 "$TOKEN"
    expect_err "tandemrun: rank 1 failed first, on host $HOST, with exit code 4"
    expect_no_strays
    run 0 "$TANDEMRUN" -np 2 --oversubscribe --max-restarts 2 \
      --output-dir logs "$PROBE" fail-once 1 4 "$TOKEN"
    expect_err "tandemrun: rank 1 failed first, on host $HOST, with exit code 4"
    expect_err "tandemrun: restarting the job (restart 1 of 2)"
    expect_out "rank 0 ok on restart 1"
    expect_out "rank 1 ok on restart 1"
    ! grep -qF "restart 2" err || fail "restarted twice"
    grep -qF "rank 1 fails on the first run" logs/rank-1.log || fail "the first run's log is gone"
    grep -qF -- "--- tandemrun: restart 1 ---" logs/rank-1.log || fail "no restart mark in the log"
    grep -qF "rank 1 ok on restart 1" logs/rank-1.log || fail "the restart's log is missing"
    expect_no_strays
    ;;

  signals)
    # SIGUSR1 (Slurm's --signal for preemption) reaches every rank's program.
    "$TANDEMRUN" -np 2 --oversubscribe "$PROBE" wait-usr1 "$TOKEN" >out 2>err &
    pid=$!
    for i in $(seq 300); do
      [ "$(grep -c ready out)" -eq 2 ] && break
      sleep 0.1
    done
    [ "$(grep -c ready out)" -eq 2 ] || { kill -TERM $pid; wait $pid; fail "the ranks never started"; }
    kill -USR1 $pid
    wait $pid
    status=$?
    [ "$status" -eq 0 ] || fail "expected exit status 0 after SIGUSR1, got $status"
    expect_out "rank 0 got SIGUSR1"
    expect_out "rank 1 got SIGUSR1"
    expect_no_strays
    # SIGTERM ends the job, and no restart follows.
    "$TANDEMRUN" -np 2 --oversubscribe --max-restarts 3 "$PROBE" hang 1 "$TOKEN" >out 2>err &
    pid=$!
    for i in $(seq 300); do
      grep -q "rank 1 hangs" out && break
      sleep 0.1
    done
    kill -TERM $pid
    wait $pid
    status=$?
    [ "$status" -eq 143 ] || fail "expected exit status 143 after SIGTERM, got $status"
    expect_err "tandemrun: stopped by SIGTERM; the job was ended"
    ! grep -qF "restarting" err || fail "restarted after SIGTERM"
    expect_no_strays
    ;;

  launcher_killed)
    # mpirun killed under the job: tandemrun says so, and the ranks do not outlive it.
    "$TANDEMRUN" -np 2 --oversubscribe "$PROBE" hang 1 "$TOKEN" >out 2>err &
    pid=$!
    for i in $(seq 300); do
      grep -q "rank 1 hangs" out && break
      sleep 0.1
    done
    launcher=$(pgrep -P $pid)
    [ -n "$launcher" ] || { kill -TERM $pid; wait $pid; fail "no launcher process"; }
    kill -KILL $launcher
    wait $pid
    status=$?
    [ "$status" -eq 137 ] || fail "expected exit status 137, got $status"
    expect_err "tandemrun: mpirun was killed by signal 9 (SIGKILL); rank(s) 1 did not report how they ended"
    expect_no_strays
    ;;

  *)
    fail "unknown case"
    ;;
esac
echo "PASS ($case_name)"
