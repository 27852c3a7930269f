#!/usr/bin/env bash
# Budget ledger benchmark: reserve+settle per second on one hot budget item (embedded and dynalite).
#   bench/budgets.sh [--seconds 5] [--threads 1,8,32]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Java 21+ for Maven and every java below (bin/find-jdk: SPENDGATE_JAVA, JAVA_HOME, the PATH, install dirs).
JAVA_HOME="$("$root/bin/find-jdk")" || exit 2
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
(cd "$root" && mvn -B -q -Pquick -pl bench -am package) >&2
cd "$root"
exec java -Xmx1g -cp "$(cat "$root/bench/target/classpath.txt"):$root/bench/target/classes" \
  dev.spendgate.bench.BudgetLedgerBench "$@"
