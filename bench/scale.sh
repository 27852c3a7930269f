#!/usr/bin/env bash
# The waste run at scale: a simulated month of N calls (default 50M) streamed into the real day passes, one day
# aggregate per day under $SPENDGATE_BENCH_DIR/scale-N/aggregates/v1/, then the 30-day window read from them.
# Optionally (--bigday) the first day of a 1B-call month (about 33M calls) alone, for the daily build's memory.
#   bench/scale.sh [50000000] [--bigday]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
(cd "$root" && flock /tmp/spendgate-mvn.lock mvn -B -q -o -Pquick -pl bench -am package) >&2
cp="$(cat "$root/bench/target/classpath.txt"):$root/bench/target/classes"
base="${SPENDGATE_BENCH_DIR:-/tmp/spendgate-scale-bench}"
n="${1:-50000000}"
dir="$base/scale-$n"
jvm=(java -XX:+UseSerialGC -cp "$cp")
if [[ "${2:-}" == "--bigday" ]]; then
  flock /tmp/spendgate-mvn.lock "${jvm[@]}" -Xmx6g dev.spendgate.bench.ScaleBench bigday --records 1000000000 --dir "$base/bigday"
  exit 0
fi
flock /tmp/spendgate-mvn.lock "${jvm[@]}" -Xmx2g dev.spendgate.bench.ScaleBench days --records "$n" --dir "$dir"
flock /tmp/spendgate-mvn.lock "${jvm[@]}" -Xmx1g dev.spendgate.bench.ScaleBench window --records "$n" --dir "$dir"
