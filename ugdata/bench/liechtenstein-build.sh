#!/usr/bin/env bash
# End-to-end benchmark of ugdata: the whole Liechtenstein build with 2,000 rendered street views, pinned to
# 2 cores with a 2 GB heap. Prints wall time, CPU share, peak resident memory, peak heap and the machine load,
# the figures recorded in ugdata/README.md. Not a unit test: it takes minutes.
#
#   ugdata/bench/liechtenstein-build.sh [RENDER] [OUT_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../.ci/jdk.sh
source "$root/.ci/jdk.sh"
render="${1:-2000}"
out="${2:-$(mktemp -d)/liechtenstein}"
jar="$root/cli/target/ug.jar"
if [ ! -f "$jar" ]; then
  (cd "$root" && ./mvnw -q -B -DskipTests package -pl cli -am)
fi
log="$(mktemp)"
gclog="$(mktemp)"
pin=()
if command -v taskset >/dev/null; then pin=(taskset -c 0,1); fi
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
/usr/bin/time -v "${pin[@]}" "$JAVA_HOME/bin/java" -Xmx2g -XX:ActiveProcessorCount=2 -Xlog:gc:file="$gclog" \
  --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar "$jar" \
  data build --osm "$root/fixtures/data/cities/liechtenstein.osm.pbf" --render "$render" --out "$out" \
  --seed 0 --threads 2 --overwrite 2> "$log" || { cat "$log"; exit 1; }
grep -E "^(read|city graph|images|subgraphs|wrote)" "$log" | grep -v ETA
grep -E "Elapsed \(wall|Percent of CPU|Maximum resident" "$log" | sed 's/^\s*//'
# peak heap: the largest "before" figure of the GC log lines ("Pause Young ... 812M->95M(2048M)")
peak=$(grep -oE '[0-9]+M->[0-9]+M' "$gclog" | cut -dM -f1 | sort -n | tail -1)
echo "peak heap before a collection: ${peak:-?} MiB (limit 2048 MiB)"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
du -sh "$out"
rm -f "$log" "$gclog"
