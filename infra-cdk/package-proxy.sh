#!/bin/sh
# Builds the proxy's Lambda custom-runtime package in infra-cdk/target/proxy-runtime/ (the directory ProxyApi
# deploys on provided.al2023):
#   bootstrap            starts the JVM on the streaming bootstrap
#   spendgate-proxy.jar  the shaded proxy jar (functions/proxy/target/spendgate-proxy-*-lambda.jar)
#   jre/                 a JRE cut to the modules the jar uses (jlink), with its class-data-sharing archive
#
# Build the jar first:  mvn -B -Pquick package -pl functions/proxy -am
# The JRE is linked from SPENDGATE_JLINK_JAVA_HOME (default: JAVA_HOME, else the java on PATH). It must be a Linux
# JDK 21 or newer built for the function's architecture (x86_64 by default; -c proxyArchitecture=arm64 otherwise)
# against an old glibc, as Temurin and Corretto builds are; distribution JDKs linked against a newer glibc than
# Amazon Linux 2023's 2.34 will not start there.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
# SPENDGATE_PROXY_RUNTIME_OUT: another directory (CDK's bundling output when `cdk deploy` builds the proxy).
out="${SPENDGATE_PROXY_RUNTIME_OUT:-$root/infra-cdk/target/proxy-runtime}"

jar=$(ls "$root"/functions/proxy/target/spendgate-proxy-*-lambda.jar 2>/dev/null | tail -1 || true)
if [ -z "$jar" ]; then
  echo "no functions/proxy/target/spendgate-proxy-*-lambda.jar: run 'mvn -B -Pquick package -pl functions/proxy -am' first" >&2
  exit 1
fi
java_home=${SPENDGATE_JLINK_JAVA_HOME:-${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}}
if [ ! -x "$java_home/bin/jlink" ]; then
  echo "no jlink in $java_home: set SPENDGATE_JLINK_JAVA_HOME to a JDK" >&2
  exit 1
fi

mkdir -p "$out"
find "$out" -mindepth 1 -delete
cp "$jar" "$out/spendgate-proxy.jar"
# The AOT cache below records the jar's modification time and is refused if it differs. cdk deploy zips assets with
# every entry dated 1980-01-01 00:00 (reproducible hashes), which Lambda unpacks as 315532800 (UTC): use that now.
epoch=315532800
touch -d "@$epoch" "$out/spendgate-proxy.jar"

# The modules the jar needs, plus the ones it reaches only by reflection or service loading. java.desktop goes:
# only Jackson's optional java.beans support refers to it (guarded), and it would add AWT libraries to every cold
# start's download.
modules=$("$java_home/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 21 "$jar" \
  | tr ',' '\n' | grep -v '^java.desktop$' | paste -sd, -)
modules="$modules,java.naming,java.logging,jdk.crypto.ec"
"$java_home/bin/jlink" \
  --add-modules "$modules" \
  --strip-debug --no-man-pages --no-header-files \
  --generate-cds-archive \
  --output "$out/jre"
# The function's heap is far below 32 GB, so the JVM always runs with compressed oops: drop the other archive.
rm -f "$out/jre/lib/server/classes_nocoops.jsa"

# C1 only and the serial collector: the fastest start for a function with about one vCPU. The training run below
# must use the same flags. CompileThresholdScaling=5 compiles a method only after 5 times the usual calls (fewer C1
# compilations competing with the start for a small size's CPU share), InitialRAMPercentage=30 starts with a heap
# that needs no collection before the first response, -UsePerfData writes no hsperfdata file: together 580 -> 530 ms
# of CPU to the first response at 256 MB's share, 670 -> 520 ms at 1024 MB's (bench/RESULTS.md, 2026-12-04).
flags="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:MaxRAMPercentage=75 -XX:InitialRAMPercentage=30"
flags="$flags -XX:CompileThresholdScaling=5 -XX:-UsePerfData"

# Ahead-of-time cache (JDK 25+, JEP 483/514): a training run of the real bootstrap (bench/ColdStart: a local Runtime
# API, dynalite, s3proxy and the fake upstream; one streamed call with a DynamoDB key look-up) records the loaded and
# linked classes, so a cold start skips that work. Needs node (dynalite) and the bench module built; skipped with
# SPENDGATE_SKIP_TRAINING=1 or when either is missing. A cache that does not match at run time is ignored by the JVM.
feature=$("$out/jre/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
classpath="$root/bench/target/classpath.txt"
if [ "${SPENDGATE_SKIP_TRAINING:-0}" != "1" ] && [ "${feature:-0}" -ge 25 ] && [ -f "$classpath" ] \
    && [ -d "$root/bench/target/classes" ] && command -v node >/dev/null; then
  if "$java_home/bin/java" -cp "$(cat "$classpath"):$root/bench/target/classes" dev.spendgate.bench.ColdStart \
      --java "$out/jre/bin/java" --jar "$out/spendgate-proxy.jar" --runs 1 \
      --jvm-opts "$flags -XX:AOTCacheOutput=$out/proxy.aot" >&2 && [ -f "$out/proxy.aot" ]; then
    # The training's AOT configuration (JDK 25 writes it beside the cache) is not needed to run: keep it out of the
    # package (about 40 MB).
    rm -f "$out/proxy.aot.config"
    echo "AOT cache trained" >&2
  else
    echo "training run failed: packaging without the AOT cache" >&2
    rm -f "$out/proxy.aot"
  fi
else
  echo "no training run (needs a JDK 25+ runtime, node, and 'mvn -Pquick package -pl bench'): no AOT cache" >&2
fi

cat > "$out/bootstrap" <<BOOTSTRAP
#!/bin/sh
# Lambda runs this (provided.al2023): the streaming bootstrap on the bundled JRE. The AOT cache is used only when
# the jar still has the modification time it was trained with; a refused cache would also disable the JRE's
# default class-data sharing and make the start slower than without it.
task="\$LAMBDA_TASK_ROOT"
aot=""
if [ -f "\$task/proxy.aot" ] && [ "\$(stat -c %Y "\$task/spendgate-proxy.jar" 2>/dev/null)" = "$epoch" ]; then
  aot="-XX:AOTCache=\$task/proxy.aot"
fi
exec "\$task/jre/bin/java" $flags \$aot \\
  -cp "\$task/spendgate-proxy.jar" \\
  dev.spendgate.function.proxy.lambda.stream.StreamingBootstrap
BOOTSTRAP
chmod 755 "$out/bootstrap"

echo "proxy runtime in $out:"
echo "  jar  $(du -k "$out/spendgate-proxy.jar" | cut -f1) KB"
echo "  jre  $(du -sk "$out/jre" | cut -f1) KB ($("$out/jre/bin/java" -version 2>&1 | head -1); modules $modules)"
if [ -f "$out/proxy.aot" ]; then
  echo "  aot  $(du -k "$out/proxy.aot" | cut -f1) KB"
fi
