#!/usr/bin/env bash
# Monthly report benchmark: a generated month (default 1,000,000 calls) to FOCUS CSV, chargeback, PDF and email.
#   bench/report.sh [--calls 1000000] [--dir DIR] [--keep]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Java 21+ for Maven and every java below (bin/find-jdk: SPENDGATE_JAVA, JAVA_HOME, the PATH, install dirs).
JAVA_HOME="$("$root/bin/find-jdk")" || exit 2
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
(cd "$root" && flock /tmp/spendgate-mvn.lock mvn -B -q -o -Pquick -pl bench -am package) >&2
cd "$root"
exec java ${SPENDGATE_BENCH_JAVA_OPTS:--Xmx2g} -cp "$(cat "$root/bench/target/classpath.txt"):$root/bench/target/classes" \
  dev.spendgate.bench.ReportBench "$@"
