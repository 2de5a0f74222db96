#!/usr/bin/env bash
# bench-start.sh — where a warm `coop stat` of one file spends its time,
# on the local store, in a repository whose metadata document holds
# ENTRIES entries (default 1,000,000). A warm stat reads one index block,
# so its time is mostly coop's fixed cost at start; this script splits it:
#
#   wall time of RUNS (default 20) warm stats: median, min, max, in ms
#     (bash's own clock around each run: finer than /usr/bin/time's 10 ms)
#   package initialisation (GODEBUG=inittrace=1), summed: all of it,
#     coop's own packages, and the ten costliest packages
#   perf stat's task-clock and page faults, when perf is installed
#
# with the load average, since the machine's load moves every figure.
# Environment: ENTRIES, RUNS, BENCH_DIR (where the data goes, default
# $TMPDIR; about 370 MB per million entries). Removed at the end.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ENTRIES="${ENTRIES:-1000000}"
RUNS="${RUNS:-20}"

source "$REPO/scripts/bench-lib.sh"

bench_workdir coop-bench-start

say "building coop and genmeta"
(cd "$REPO" && CGO_ENABLED=0 go build -o "$WORK/coop" ./cmd/coop && go build -o "$WORK/genmeta" ./internal/genmeta)
export COOP_STORAGE="$WORK/store" COOP_BACKEND=local
coop() { "$WORK/coop" "$@"; }
coop init >/dev/null
coop account create bench --type user >/dev/null
coop repo create bench/big >/dev/null
say "writing a metadata document of $ENTRIES entries"
"$WORK/genmeta" -n "$ENTRIES" -account bench -repo big -o "$COOP_STORAGE/bench/big/.source-metadata.json"
one=data/part-00000/file-00000000.bin
mkdir -p "$COOP_STORAGE/bench/big/data/part-00000"
: >"$COOP_STORAGE/bench/big/$one" # the object too, so stat exits 0
say "first stat (builds the index)"
coop stat "bench/big/$one" >/dev/null

say "$RUNS warm stats"
for _ in $(seq "$RUNS"); do
	now s
	coop stat "bench/big/$one" >/dev/null
	now e
	echo "$e - $s" | bc -l
done | sort -g | awk '{a[NR] = $1 * 1000}
	END { m = (a[int((NR + 1) / 2)] + a[int(NR / 2) + 1]) / 2
		printf "warm stat wall: median %.1f ms, min %.1f, max %.1f (%d runs)\n", m, a[1], a[NR], NR }'

GODEBUG=inittrace=1 "$WORK/coop" stat "bench/big/$one" 2>&1 >/dev/null |
	awk '$1 == "init" { ms = $5; all += ms; if ($2 ~ /^github.com\/coopterm\//) own += ms; print ms, $2 }
	END { printf "package init: %.1f ms in all, %.2f ms in coop'"'"'s own packages; the costliest:\n", all, own > "/dev/stderr" }' |
	sort -rn | awk 'NR <= 10 { printf "  %6.2f ms  %s\n", $1, $2 }'

if command -v perf >/dev/null; then
	perf stat -r "$RUNS" "$WORK/coop" stat "bench/big/$one" 2>&1 >/dev/null |
		awk '/task-clock|page-faults|time elapsed/ { $1 = $1; print "perf: " $0 }'
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
