#!/usr/bin/env bash
# Policy simulator throughput: a simulated month (default 1M calls, generated once under $SPENDGATE_BENCH_DIR), then
# `simulate-policy` over it with department budgets in all three modes, a degrade chain and a session breaker, on one
# CPU with a 512 MB heap. The command prints its own wall time (read + gunzip + parse + replay). Every heavy step runs
# under the shared build lock (/tmp/spendgate-mvn.lock), so it does not compete with builds on a shared machine.
#   bench/policy.sh [CALLS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Java 21+ for Maven and every java below (bin/find-jdk: SPENDGATE_JAVA, JAVA_HOME, the PATH, install dirs).
JAVA_HOME="$("$root/bin/find-jdk")" || exit 2
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
calls="${1:-1000000}"
dir="${SPENDGATE_BENCH_DIR:-/tmp/spendgate-policy-bench}/$calls"
(cd "$root" && flock /tmp/spendgate-mvn.lock mvn -B -q -o -Pquick -pl cli -am package -DskipTests) >&2
touch "$root/cli/target/.built"
cp="$root/cli/target/spendgate-cli.jar:$root/cli/target/lib/*"
if [ ! -d "$dir/usage" ]; then
  flock /tmp/spendgate-mvn.lock java -Xmx3g -cp "$cp" dev.spendgate.cli.SpendgateCli simulate --month 2026-10 --seed 1 --calls "$calls" --data-dir "$dir"
fi
# the proposal is written by `budgets set` into its own data dir: the same file the gateway reads
proposal="$dir/proposal"
policy="$proposal/budgets/policies.json"
rm -rf "$proposal"
for spec in "department:support 150 degrade" "department:engineering 300 block" "department:finance 40 degrade" \
    "department:marketing 150 alert" "feature:code-review 20 block"; do
  set -- $spec
  java -cp "$cp" dev.spendgate.cli.SpendgateCli budgets set --scope "$1" --period daily --limit-usd "$2" --mode "$3" \
    --data-dir "$proposal" > /dev/null
done
pin=()
if command -v taskset > /dev/null; then pin=(taskset -c 0); fi
for round in 1 2 3; do
  flock /tmp/spendgate-mvn.lock "${pin[@]}" java -Xmx512m -XX:ActiveProcessorCount=1 -XX:+UseSerialGC -cp "$cp" dev.spendgate.cli.SpendgateCli \
    simulate-policy --from 2026-10-01 --to 2026-11-01 --policy "$policy" \
    --degrade-chains "claude-opus-4-1>claude-sonnet-4-5>claude-haiku-4-5; gpt-4o>gpt-4o-mini; gpt-4.1>gpt-4.1-mini" \
    --session-calls-per-minute 30 --data-dir "$dir" | head -2
done
