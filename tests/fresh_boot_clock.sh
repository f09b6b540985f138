#!/bin/sh
# Runs test binaries as on a machine that booted moments ago: each in a new time namespace whose
# CLOCK_MONOTONIC (std::chrono::steady_clock) and CLOCK_BOOTTIME read tens of seconds, whatever
# the real uptime. Code that takes the steady clock's epoch for "long ago" (Progbar's first draw
# once waited until the machine had been up for `interval` seconds) fails here on every machine,
# not only on a CI runner booted less than an hour before.
#
# Exits 77 (ctest's SKIP_RETURN_CODE) where time namespaces are unavailable: no unshare(1) with
# --time (util-linux >= 2.36), a kernel without CONFIG_TIME_NS (< 5.6), or no privilege to create
# one (root, or an unprivileged user namespace).
set -u

if ! command -v unshare >/dev/null 2>&1; then
  echo "fresh_boot_clock: SKIPPED: unshare(1) is not installed"
  exit 77
fi

# The namespace's clock = the host's clock + offset, and may not go below zero. CLOCK_MONOTONIC can
# lag /proc/uptime (CLOCK_BOOTTIME) by the time spent suspended, so several ages are tried.
uptime=$(cut -d. -f1 /proc/uptime)
launcher=""
for age in 20 120 600 2400; do
  offset=$((uptime - age))
  [ "$offset" -lt 0 ] && offset=0
  for prefix in "unshare --time --fork" "unshare --user --map-root-user --time --fork"; do
    if $prefix --monotonic=-"$offset" --boottime=-"$offset" true 2>/dev/null; then
      launcher="$prefix --monotonic=-$offset --boottime=-$offset"
      break 2
    fi
  done
done
if [ -z "$launcher" ]; then
  echo "fresh_boot_clock: SKIPPED: cannot create a time namespace here (unshare --time failed)"
  exit 77
fi

status=0
for test_binary in "$@"; do
  echo "fresh_boot_clock: $launcher $test_binary"
  # The clock as the test sees it, for the log.
  $launcher cat /proc/uptime | sed 's/^/fresh_boot_clock: \/proc\/uptime inside: /'
  if ! $launcher "$test_binary"; then
    echo "fresh_boot_clock: FAILED: $test_binary"
    status=1
  fi
done
exit $status
