#!/usr/bin/env bash
# Waste detection benchmark: simulated months of 1M and 5M calls (generated once, kept under $SPENDGATE_BENCH_DIR),
# then the five detectors over each, in a JVM capped at 512 MB of heap and one CPU. Prints records/s and peak heap.
#   bench/waste.sh [1000000 5000000]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Java 21+ for Maven and every java below (bin/find-jdk: SPENDGATE_JAVA, JAVA_HOME, the PATH, install dirs).
JAVA_HOME="$("$root/bin/find-jdk")" || exit 2
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
(cd "$root" && flock /tmp/spendgate-mvn.lock mvn -B -q -o -Pquick -pl bench -am package) >&2
cp="$(cat "$root/bench/target/classpath.txt"):$root/bench/target/classes"
base="${SPENDGATE_BENCH_DIR:-/tmp/spendgate-waste-bench}"
pin=()
if command -v taskset >/dev/null; then pin=(taskset -c 0); fi
for n in "${@:-1000000 5000000}"; do
  for records in $n; do
    dir="$base/$records"
    java -Xmx3g -cp "$cp" dev.spendgate.bench.WasteBench generate --records "$records" --dir "$dir"
    "${pin[@]}" java -Xmx512m -XX:ActiveProcessorCount=1 -XX:+UseSerialGC -cp "$cp" \
      dev.spendgate.bench.WasteBench analyze --dir "$dir"
  done
done
