#!/usr/bin/env bash
# Right-sizing the proxy Lambda by emulated CPU share: Lambda gives a function CPU time in proportion to its memory
# (1,769 MB = one vCPU), so each memory size runs the proxy JVM in a CPU cgroup whose quota is MB/1769 of one CPU
# per period, with -XX:MaxRAM=<MB>m (what the JVM sees in a function of that size), and measures warm calls
# (DeployedPathBench) and cold starts (ColdStart) there.
#   bench/rightsize.sh [--sizes "256 384 512 1024"] [--period-us 100000] [--budgets 1] [--calls 200] [--warmup 60]
#                      [--runs 5] [--latency-ms 5] [--upstream-ms 0] [--jar PATH (skips the build)]
#     --upstream-ms: how long the fake provider takes per call; 0 runs the calls back to back, so a small size's
#     share is spent before the next call starts (a real call waits seconds on the provider, leaving it idle)
#   bench/rightsize.sh --task-root DIR [--sizes ...] [--runs 5] [--tool-options "-XX:..."] [--no-aot-too]
#     cold starts only, of the deployment package in DIR (infra-cdk/package-proxy.sh's output: bootstrap, jar, jlinked
#     JRE, AOT cache) run through its own bootstrap, as Lambda runs it; the memory the JVM sees (-XX:MaxRAM) and any
#     --tool-options reach it through JAVA_TOOL_OPTIONS, the one way a deployed function's environment can add JVM
#     flags. --no-aot-too also runs each size on the same package without its AOT cache.
#   --init-burst: the cold starts run their init phase (to the first /next) on one full CPU and only then get the
#     size's share, as AWS's Java-on-Lambda guide states for on-demand functions (a full, unthrottled vCPU for up to
#     10 s of init); without it the whole start runs at the size's share.
# Needs root and a writable cgroup CPU controller (v1 cpu.cfs_quota_us or v2 cpu.max). Only the CPU share is
# emulated: not Lambda's CPU model, its network, its Firecracker VM nor the real DynamoDB.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Java 21+ for Maven and every java below (bin/find-jdk: SPENDGATE_JAVA, JAVA_HOME, the PATH, install dirs).
JAVA_HOME="$("$root/bin/find-jdk")" || exit 2
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
sizes="256 384 512 1024"
period=100000
budgets=1
calls=200
warmup=60
runs=5
latency=5
upstream_ms=0
jar=""
task_root=""
tool_options=""
no_aot_too=0
init_burst=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sizes) sizes="$2"; shift 2 ;;
    --period-us) period="$2"; shift 2 ;;
    --budgets) budgets="$2"; shift 2 ;;
    --calls) calls="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --latency-ms) latency="$2"; shift 2 ;;
    --upstream-ms) upstream_ms="$2"; shift 2 ;;
    --jar) jar="$2"; shift 2 ;;
    --task-root) task_root="$(cd "$2" && pwd)"; shift 2 ;;
    --tool-options) tool_options="$2"; shift 2 ;;
    --no-aot-too) no_aot_too=1; shift ;;
    --init-burst) init_burst=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ -w /sys/fs/cgroup/cpu/cgroup.procs && -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]]; then
  base=/sys/fs/cgroup/cpu
  v=1
elif [[ -f /sys/fs/cgroup/cgroup.controllers ]] && grep -qw cpu /sys/fs/cgroup/cgroup.controllers; then
  base=/sys/fs/cgroup
  v=2
else
  echo "no writable cgroup CPU controller here (run as root on a cgroup v1 or v2 host)" >&2
  exit 1
fi
if [[ -n "$task_root" && ! -x "$task_root/bootstrap" ]]; then
  echo "--task-root $task_root has no executable bootstrap (infra-cdk/package-proxy.sh builds one)" >&2
  exit 2
fi
if [[ -z "$jar" && -z "$task_root" ]]; then
  (cd "$root" && flock /tmp/spendgate-mvn.lock mvn -B -q -o -Pquick -pl functions/proxy,bench -am package) >&2
  jar="$(ls "$root"/functions/proxy/target/spendgate-proxy-*-lambda.jar | tail -1)"
fi
cp="$(cat "$root/bench/target/classpath.txt"):$root/bench/target/classes"
java_bin="$(command -v java)"
work="$(mktemp -d)"
trap 'for d in "$work"/cg-*; do [[ -e "$d" ]] && rmdir "$(cat "$d")" 2>/dev/null || true; done; rm -rf "$work"' EXIT
for mb in $sizes; do
  quota=$(( mb * period / 1769 ))
  cg="$base/spendgate-rightsize-$mb-$$"
  mkdir -p "$cg"
  echo "$cg" > "$work/cg-$mb"
  if [[ $v == 1 ]]; then
    echo "$period" > "$cg/cpu.cfs_period_us"
    echo "$quota" > "$cg/cpu.cfs_quota_us"
    burst_args=(--init-burst "$cg/cpu.cfs_quota_us" "$period" "$quota")
  else
    echo "+cpu" > "$base/cgroup.subtree_control" 2>/dev/null || true
    echo "$quota $period" > "$cg/cpu.max"
    burst_args=(--init-burst "$cg/cpu.max" "$period $period" "$quota $period")
  fi
  [[ $init_burst == 1 ]] || burst_args=()
  if [[ -n "$task_root" ]]; then
    # The package as deployed: a copy of the task root (hard links keep the jar's modification time, which the
    # bootstrap checks before it uses the AOT cache) whose bootstrap joins the cgroup, then runs the package's own.
    variants="aot"
    [[ $no_aot_too == 1 ]] && variants="aot no-aot"
    for variant in $variants; do
      task="$work/task-$mb-$variant"
      cp -al "$task_root" "$task"
      [[ $variant == no-aot ]] && rm -f "$task/proxy.aot"
      mv "$task/bootstrap" "$task/bootstrap.lambda"
      printf '#!/bin/sh\necho $$ > %s/cgroup.procs\nJAVA_TOOL_OPTIONS="-XX:MaxRAM=%sm %s"\nexport JAVA_TOOL_OPTIONS\nexec "$LAMBDA_TASK_ROOT/bootstrap.lambda"\n' \
        "$cg" "$mb" "$tool_options" > "$task/bootstrap"
      chmod +x "$task/bootstrap"
      echo "== ${mb} MB, package $variant: CPU quota ${quota}/${period} us ($(( mb * 1000 / 1769 ))/1000 of a CPU), JAVA_TOOL_OPTIONS=-XX:MaxRAM=${mb}m $tool_options"
      flock /tmp/spendgate-mvn.lock java -cp "$cp" dev.spendgate.bench.ColdStart --task-root "$task" --runs "$runs" \
        "${burst_args[@]}"
      echo "cgroup: $(tr '\n' ' ' < "$cg/cpu.stat")"
    done
    continue
  fi
  # the proxy JVM (and only it) joins the cgroup before it starts
  wrapper="$work/java-$mb"
  printf '#!/bin/sh\necho $$ > %s/cgroup.procs\nexec %s "$@"\n' "$cg" "$java_bin" > "$wrapper"
  chmod +x "$wrapper"
  # the bootstrap's flags (infra-cdk/package-proxy.sh)
  flags="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:MaxRAMPercentage=75 -XX:InitialRAMPercentage=30"
  flags="$flags -XX:CompileThresholdScaling=5 -XX:-UsePerfData -XX:MaxRAM=${mb}m"
  echo "== ${mb} MB: CPU quota ${quota}/${period} us ($(( mb * 1000 / 1769 ))/1000 of a CPU), $flags"
  flock /tmp/spendgate-mvn.lock java -cp "$cp" dev.spendgate.bench.DeployedPathBench --jar "$jar" --java "$wrapper" \
    --jvm-opts "$flags" --budgets "$budgets" --latency-ms "$latency" --calls "$calls" --warmup "$warmup" \
    --upstream-ms "$upstream_ms"
  flock /tmp/spendgate-mvn.lock java -cp "$cp" dev.spendgate.bench.ColdStart --jar "$jar" --java "$wrapper" \
    --jvm-opts "$flags -Xshare:auto" --runs "$runs" "${burst_args[@]}"
  echo "cgroup: $(tr '\n' ' ' < "$cg/cpu.stat")"
done
