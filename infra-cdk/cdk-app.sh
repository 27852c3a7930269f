#!/bin/sh
# What cdk.json runs (npx cdk synth / deploy, from infra-cdk/): compiles this app and the modules it uses through
# the reactor, so nothing needs installing into ~/.m2 first, then runs it. The functions themselves are built by the
# app's asset bundling (FunctionCode), unless -c prebuilt=true. SPENDGATE_MAVEN_ARGS adds Maven arguments (e.g. -o).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# Java 21+ for Maven and the app (bin/find-jdk: JAVA_HOME, the PATH, then the usual install directories).
JAVA_HOME=$("$here/../bin/find-jdk") || exit 2
export JAVA_HOME
# test-compile with tests skipped: the reactor then resolves test-jar dependencies of the modules in between.
# shellcheck disable=SC2086
mvn -B -q -Pquick -Dmaven.test.skip=true ${SPENDGATE_MAVEN_ARGS:-} -f "$here/../pom.xml" -pl infra-cdk -am \
  test-compile dependency:build-classpath -Dmdep.outputFile=target/cdk-classpath.txt -Dmdep.includeScope=runtime >&2
exec "$JAVA_HOME/bin/java" -cp "$here/target/classes:$(cat "$here/target/cdk-classpath.txt")" dev.spendgate.infra.SpendgateApp
