#!/usr/bin/env bash
# Gateway overhead benchmark: builds the bench module, then runs GatewayOverhead.
#   bench/overhead.sh [--conns 1,16,64] [--duration 10] [--warmup 15] [--rounds 2] [--stream]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
(cd "$root" && mvn -B -q -Pquick -pl bench -am package) >&2
# SPENDGATE_JAVA: the java binary for the harness and the gateway it starts (e.g. a Java 21+ for virtual threads)
exec "${SPENDGATE_JAVA:-java}" -Xmx2g -cp "$(cat "$root/bench/target/classpath.txt"):$root/bench/target/classes" \
  dev.spendgate.bench.GatewayOverhead "$@"
