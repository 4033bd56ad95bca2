#!/usr/bin/env bash
# Live log fan-out benchmark (see bench/README.md). Loopback only; needs nothing but Java 17 and the wrapper.
#   bench/logs/run.sh                 # 100,000 lines, 1,000 viewers
#   LINES=20000 CLIENTS=200 bench/logs/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

# Always package, so the benchmark measures the code in this tree.
./mvnw -B -q package -DskipTests

# The client and the baseline server compile against the application's own libraries (Vert.x, the
# reactive PostgreSQL client, the embedded PostgreSQL), so nothing else is downloaded.
classpath="target/quarkus-app/lib/main/*:target/quarkus-app/lib/boot/*"
out=target/bench-logs
mkdir -p "$out"
javac -d "$out" -cp "$classpath" bench/logs/LogsBench.java

exec java -Xmx2g -Djava.util.logging.manager=org.jboss.logmanager.LogManager -Dlines="${LINES:-100000}" -Dclients="${CLIENTS:-1000}" \
    -cp "$out:$classpath" LogsBench target/quarkus-app/quarkus-run.jar
