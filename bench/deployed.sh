#!/usr/bin/env bash
# Warm invocations through the proxy's streaming bootstrap with AWS-like latency on DynamoDB and S3:
# time before the provider, after its last byte, and added to the billed duration.
#   bench/deployed.sh [--calls 300] [--warmup 100] [--latency-ms 5] [--budgets 1] [--stream] [--jar PATH]
# Builds the proxy jar and the bench module, then runs DeployedPathBench under the shared build lock.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Java 21+ for Maven and every java below (bin/find-jdk: SPENDGATE_JAVA, JAVA_HOME, the PATH, install dirs).
JAVA_HOME="$("$root/bin/find-jdk")" || exit 2
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
(cd "$root" && flock /tmp/spendgate-mvn.lock mvn -B -q -o -Pquick -pl functions/proxy,bench -am package) >&2
jar="$(ls "$root"/functions/proxy/target/spendgate-proxy-*-lambda.jar | tail -1)"
args=("$@")
if [[ " $* " != *" --jar "* ]]; then
  args=(--jar "$jar" "$@")
fi
exec flock /tmp/spendgate-mvn.lock java -cp "$(cat "$root/bench/target/classpath.txt"):$root/bench/target/classes" \
  dev.spendgate.bench.DeployedPathBench "${args[@]}"
