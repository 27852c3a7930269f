#!/usr/bin/env bash
# Cold start of the proxy's Lambda package (streaming bootstrap): JVM start to first proxied response, and sizes.
#   bench/coldstart.sh [--runs 7] [--java PATH] [--jvm-opts "..."]
# Builds the proxy jar and the bench module; with infra-cdk/target/proxy-runtime/ present (infra-cdk/package-proxy.sh)
# it runs the bundled JRE with the bootstrap script's flags, as Lambda would.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Java 21+ for Maven and every java below (bin/find-jdk: SPENDGATE_JAVA, JAVA_HOME, the PATH, install dirs).
JAVA_HOME="$("$root/bin/find-jdk")" || exit 2
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
(cd "$root" && flock /tmp/spendgate-mvn.lock mvn -B -q -o -Pquick -pl functions/proxy,bench -am package) >&2
jar="$(ls "$root"/functions/proxy/target/spendgate-proxy-*-lambda.jar | tail -1)"
extra=()
runtime="$root/infra-cdk/target/proxy-runtime"
if [[ -x "$runtime/jre/bin/java" && " $* " != *" --java "* ]]; then
  extra=(--java "$runtime/jre/bin/java")
fi
exec java -cp "$(cat "$root/bench/target/classpath.txt"):$root/bench/target/classes" \
  dev.spendgate.bench.ColdStart --jar "$jar" "${extra[@]}" "$@"
