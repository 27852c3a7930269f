#!/usr/bin/env bash
# The waste run at scale: a simulated month of N calls (default 50M) streamed into the real day passes, one day
# aggregate per day under $SPENDGATE_BENCH_DIR/scale-N/aggregates/v1/, then the 30-day window read from them.
# The days run ends with the monthly report made from the month's cells (as the report Lambda gets them from Athena).
# --dense: the first day of an N-call month (default 100M) with its 24 hours squeezed into 2, so the day pass sees
# the calls per hour of a 1B-call month (the simulator holds a whole day in memory, so a 33M-call day itself cannot be
# generated here; --bigday tries that).
# --dense1b: one day at a 1B-call month's calls per hour with a 1B month's day of records (33M): the first 10 days
# of a 100M month, each squeezed 10 times, laid end to end in one day.
# --parallel: the day pass with 1 and 2 index threads, alternated (1,2,1,2), over one slice at a 1B-call month's
# weekday density held in memory (3.9M records in 2.4 h); every run's aggregate must be the same bytes.
# --month1b: the 30-day window and the monthly report of a 1B-call month from aggregates (ScaleBench month1b).
# --window-caps: the 30-day window's worst case: 30 day aggregates past every per-day cap (200,000 prompts, 100,000
#   prefix fingerprints and jobs) with scopes of their own each day, built by the real day pass from synthetic records
#   (ScaleBench window-caps), then the window read + merged + detected in a JVM with the heap the waste Lambda's JVM
#   gets at 10,240 MB (85 %: -Xmx8704m, SerialGC); SPENDGATE_BENCH_XMX=2g tries another heap on the same aggregates,
#   SPENDGATE_BENCH_READ=whole decodes each day whole as before; =stream holds each day's compressed bytes and merges
#   the day part by part from them; =reopen opens the stored object again for each pass (default spool, the Lambda's
#   way: each day streamed once to a temporary file and merged part by part from there).
#   bench/scale.sh [50000000] [--dense|--dense1b|--bigday|--parallel|--month1b|--window-caps]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Java 21+ for Maven and every java below (bin/find-jdk: SPENDGATE_JAVA, JAVA_HOME, the PATH, install dirs).
JAVA_HOME="$("$root/bin/find-jdk")" || exit 2
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
(cd "$root" && flock /tmp/spendgate-mvn.lock mvn -B -q -o -Pquick -pl bench -am package) >&2
cp="$(cat "$root/bench/target/classpath.txt"):$root/bench/target/classes"
base="${SPENDGATE_BENCH_DIR:-/tmp/spendgate-scale-bench}"
n="${1:-50000000}"
dir="$base/scale-$n"
jvm=(java -XX:+UseSerialGC -cp "$cp")
if [[ "${1:-}" == "--parallel" ]]; then
  flock /tmp/spendgate-mvn.lock "${jvm[@]}" -Xmx10g dev.spendgate.bench.ScaleBench slice --records 100000000 \
    --compress 10 --days 1 --threads 1,2,1,2
  exit 0
fi
if [[ "${1:-}" == "--month1b" ]]; then
  rm -rf "$base/month1b"
  flock /tmp/spendgate-mvn.lock "${jvm[@]}" -Xmx8g dev.spendgate.bench.ScaleBench month1b --dir "$base/month1b" \
    --threads 2
  exit 0
fi
if [[ "${1:-}" == "--window-caps" ]]; then
  caps="$base/window-caps"
  # about 40 s a day: 15 days a run, so no run holds the lock for more than about 10 minutes
  while [[ ! -f "$caps/aggregates/v1/day=2026-10-31/waste.json.gz" ]]; do
    flock /tmp/spendgate-mvn.lock "${jvm[@]}" -Xmx4g dev.spendgate.bench.ScaleBench window-caps --dir "$caps" \
      --max-days 15
  done
  flock /tmp/spendgate-mvn.lock "${jvm[@]}" "-Xmx${SPENDGATE_BENCH_XMX:-8704m}" dev.spendgate.bench.ScaleBench window \
    --dir "$caps" --read "${SPENDGATE_BENCH_READ:-spool}"
  exit 0
fi
if [[ "${2:-}" == "--dense" || "${1:-}" == "--dense" ]]; then
  [[ "${1:-}" == "--dense" ]] && n=100000000
  flock /tmp/spendgate-mvn.lock "${jvm[@]}" -Xmx6g dev.spendgate.bench.ScaleBench dense --records "$n" --compress 12
  exit 0
fi
if [[ "${1:-}" == "--dense1b" ]]; then
  flock /tmp/spendgate-mvn.lock "${jvm[@]}" -Xmx8g dev.spendgate.bench.ScaleBench dense --records 100000000 --compress 10 --days 10
  exit 0
fi
if [[ "${2:-}" == "--bigday" ]]; then
  flock /tmp/spendgate-mvn.lock "${jvm[@]}" -Xmx6g dev.spendgate.bench.ScaleBench bigday --records 1000000000 --dir "$base/bigday"
  exit 0
fi
flock /tmp/spendgate-mvn.lock "${jvm[@]}" -Xmx3g dev.spendgate.bench.ScaleBench days --records "$n" --dir "$dir"
flock /tmp/spendgate-mvn.lock "${jvm[@]}" -Xmx1g dev.spendgate.bench.ScaleBench window --records "$n" --dir "$dir"
