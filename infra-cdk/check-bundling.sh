#!/bin/sh
# Runs what `npx cdk deploy` runs before it uploads anything: `cdk synth` with the functions built by asset bundling
# (FunctionCode; locally when Maven and a JDK 25 for the proxy's architecture are here, in Docker otherwise), into a
# temporary cdk.out, then checks each function's asset: the proxy's directory has an executable bootstrap, the jar,
# a linked JRE (and the AOT cache when it was trained); each job's jar holds its handler class. Prints the time taken.
#   infra-cdk/check-bundling.sh [extra cdk arguments, e.g. -c proxyArchitecture=arm64]
# SPENDGATE_MAVEN_ARGS=-o builds offline. Needs node (npm ci at the root) and the JDK/Maven or Docker above.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cdk="$here/../node_modules/.bin/cdk"
[ -x "$cdk" ] || cdk="npx cdk"
out=$(mktemp -d)
start=$(date +%s)
(cd "$here" && $cdk synth --quiet -o "$out/cdk.out" "$@" >&2)
echo "synth with bundling: $(( $(date +%s) - start )) s" >&2

node - "$out/cdk.out" <<'NODE'
const fs = require('fs'), path = require('path'), { spawnSync } = require('child_process');
// unzip -l <jar> <member> exits 0 only when the member is there
const holds = (jar, member) => spawnSync('unzip', ['-l', jar, member], { stdio: 'ignore' }).status === 0;
const dir = process.argv[2];
const template = JSON.parse(fs.readFileSync(path.join(dir, 'Spendgate.template.json'), 'utf8'));
let failed = false;
const fail = (m) => { console.error('FAIL ' + m); failed = true; };
const seen = new Set();
for (const [id, r] of Object.entries(template.Resources)) {
  if (r.Type !== 'AWS::Lambda::Function' || !r.Metadata || !r.Metadata['aws:asset:path']) continue;
  const asset = path.join(dir, r.Metadata['aws:asset:path']);
  const handler = r.Properties.Handler;
  if (seen.has(asset + handler)) continue;
  seen.add(asset + handler);
  if (r.Properties.Runtime === 'provided.al2023') {
    for (const f of ['bootstrap', 'spendgate-proxy.jar', 'jre/bin/java']) {
      if (!fs.existsSync(path.join(asset, f))) fail(`${id}: ${f} missing in ${asset}`);
    }
    if (fs.existsSync(path.join(asset, 'bootstrap')) && !(fs.statSync(path.join(asset, 'bootstrap')).mode & 0o100)) {
      fail(`${id}: bootstrap not executable`);
    }
    const cls = handler.replace(/\./g, '/') + '.class';
    if (!holds(path.join(asset, 'spendgate-proxy.jar'), cls)) fail(`${id}: ${cls} not in the proxy jar`);
    if (fs.existsSync(path.join(asset, 'proxy.aot.config'))) fail(`${id}: the AOT training's proxy.aot.config was left in`);
    const aot = fs.existsSync(path.join(asset, 'proxy.aot')) ? 'with AOT cache' : 'no AOT cache';
    console.log(`ok ${id}: ${path.basename(asset)} bootstrap, jar with ${handler}, JRE, ${aot}`);
  } else {
    const cls = handler.split('::')[0].replace(/\./g, '/') + '.class';
    if (!holds(asset, cls)) fail(`${id}: ${cls} not in ${asset}`);
    else console.log(`ok ${id}: ${path.basename(asset)} (${fs.statSync(asset).size} bytes) holds ${cls}`);
  }
}
if (seen.size === 0) fail('no function assets in the template');
process.exit(failed ? 1 : 0);
NODE
rm -rf "$out"
