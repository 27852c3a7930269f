#!/usr/bin/env bash
# Gateway overhead benchmark: builds the bench module, then runs GatewayOverhead.
#   bench/overhead.sh [--conns 1,16,64] [--duration 10] [--warmup 15] [--rounds 2] [--stream]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Java 21+ for Maven and every java below (bin/find-jdk: SPENDGATE_JAVA, JAVA_HOME, the PATH, install dirs).
JAVA_HOME="$("$root/bin/find-jdk")" || exit 2
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
(cd "$root" && mvn -B -q -Pquick -pl bench -am package) >&2
# SPENDGATE_JAVA: the java binary for the harness and the gateway it starts (Java 21+; default: the JDK found above)
exec "${SPENDGATE_JAVA:-java}" -Xmx2g -cp "$(cat "$root/bench/target/classpath.txt"):$root/bench/target/classes" \
  dev.spendgate.bench.GatewayOverhead "$@"
