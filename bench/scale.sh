#!/usr/bin/env bash
# The waste run at scale: a simulated month of N calls (default 50M) streamed into the real day passes, one day
# aggregate per day under $SPENDGATE_BENCH_DIR/scale-N/aggregates/v1/, then the 30-day window read from them.
# The days run ends with the monthly report made from the month's cells (as the report Lambda gets them from Athena).
# --dense: the first day of an N-call month (default 100M) with its 24 hours squeezed into 2, so the day pass sees
# the calls per hour of a 1B-call month (the simulator holds a whole day in memory, so a 33M-call day itself cannot be
# generated here; --bigday tries that).
# --dense1b: one day at a 1B-call month's calls per hour with a 1B month's day of records (33M): the first 10 days
# of a 100M month, each squeezed 10 times, laid end to end in one day.
#   bench/scale.sh [50000000] [--dense|--dense1b|--bigday]
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
