#!/usr/bin/env bash
# bench-migrate.sh — `coop migrate` of the demo store (the embedded local
# store, ≈100,000 small files and the rest) to versitygw + DynamoDB Local,
# against `s5cmd cp` of the same folder tree to the same server, in the
# same run: the time of each, their ratio (coop / s5cmd; the issue's goal
# is ≤ 1.25 though coop also writes the catalog and the metadata files),
# and coop's peak RSS.
#
# Each round copies into fresh buckets and tables, the two tools in turn
# (one round coop first, the next s5cmd first); medians are reported.
# coop streams every object with its SHA-256 and writes each repository's
# metadata entries; s5cmd copies bytes and checks nothing.
#
# With OBJECTS=N it measures memory instead: one repository of N objects
# (empty files made straight in a local store's folders, with their
# metadata file, by internal/genmeta, as scripts/bench-metadata.sh does:
# a million PUTs would take hours) is migrated local → local under
# /usr/bin/time -v, which gives the wall time and the peak RSS (the issue's
# goal for 1,000,000 objects: ≤ 300 MB). The destination is checked to
# hold every object and entry. About 2 GiB and 2,000,000 inodes per
# million objects under BENCH_DIR.
#
# Environment: ROUNDS (default 1), WORKERS (coop's --workers, default 32;
# s5cmd runs with its default 256), BENCH_DIR (where the data goes),
# DEMO_STORE (a demo store already made, to skip making one: the folder
# `coop --demo` uses, e.g. ~/.local/share/coop/demo). Needs the test
# servers (scripts/test-servers.sh install) and Go; builds coop, and s5cmd
# v2.3.0 from the Go module proxy into .cache/bin.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$REPO/.cache"
ROUNDS="${ROUNDS:-1}"
WORKERS="${WORKERS:-32}"
S5CMD_VERSION="v2.3.0"
ACCESS_KEY=benchkey
SECRET_KEY=benchsecret

source "$REPO/scripts/bench-lib.sh"

bench_workdir coop-bench-migrate

# ---- memory: OBJECTS objects, local → local ---------------------------------
# bench_objects migrates one repository of OBJECTS objects between two
# local stores and reports the time and peak RSS.
bench_objects() {
	say "building coop and genmeta"
	(cd "$REPO" && CGO_ENABLED=0 go build -o "$WORK/coop" ./cmd/coop && go build -o "$WORK/genmeta" ./internal/genmeta)
	export XDG_CONFIG_HOME="$WORK/config" XDG_DATA_HOME="$WORK/data" XDG_CACHE_HOME="$WORK/cache"
	local src="$WORK/src" dst="$WORK/dst" out="$WORK/migrate.json" secs rss files entries load0
	say "making $OBJECTS objects and their metadata file in $src"
	for args in init "account create bench --type organization" "repo create bench/big"; do
		# shellcheck disable=SC2086 # the arguments are split on purpose
		"$WORK/coop" --storage "$src" $args >"$WORK/quiet.out" 2>&1 || { cat "$WORK/quiet.out" >&2; die "coop $args failed"; }
	done
	"$WORK/genmeta" -n "$OBJECTS" -account bench -repo big -objects "$src/bench/big" -o "$src/bench/big/.source-metadata.json"
	sync
	load0="$(cut -d' ' -f1-3 /proc/loadavg)"
	say "migrating (load average $load0)"
	/usr/bin/time -v -o "$WORK/time.out" "$WORK/coop" --storage "$src" migrate --workers "$WORKERS" \
		--to-backend local --to-storage "$dst" --json >"$out" 2>"$WORK/migrate.err" || { tail -n 30 "$WORK/migrate.err" "$WORK/time.out" >&2; die "coop migrate failed"; }
	secs="$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$WORK/time.out")"
	rss="$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$WORK/time.out")"
	files="$(find "$dst/bench/big" -type f ! -name .source-metadata.json | wc -l)"
	entries="$(grep -c '"type":"file"' "$dst/bench/big/.source-metadata.json" || true)"
	[[ "$files" == "$OBJECTS" && "$entries" == "$OBJECTS" ]] || die "the destination holds $files objects and $entries file entries, want $OBJECTS"
	printf '\n%s objects, local → local (--workers %s)\n' "$OBJECTS" "$WORKERS"
	printf '%-34s %9.1f s\n' "coop migrate" "$secs"
	printf '%-34s %9s MiB\n' "coop peak RSS" "$rss"
	printf 'load average at the start: %s; at the end: %s; %d cores\n' "$load0" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)"
}
if [[ -n "${OBJECTS:-}" ]]; then
	bench_objects
	exit 0
fi

# ---- tools -----------------------------------------------------------------
say "building coop"
(cd "$REPO" && CGO_ENABLED=0 go build -o "$WORK/coop" ./cmd/coop)
build_s5cmd

# ---- servers ---------------------------------------------------------------
mkdir -p "$WORK/s3data"
start_servers "$WORK/s3data" --keep-alive
S3="http://127.0.0.1:$SPORT"
export AWS_ACCESS_KEY_ID="$ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$SECRET_KEY" AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export XDG_CONFIG_HOME="$WORK/config" XDG_DATA_HOME="$WORK/data"
s5() { "$S5CMD" --endpoint-url "$S3" "$@"; }

# ---- the source ------------------------------------------------------------
if [[ -n "${DEMO_STORE:-}" ]]; then
	SRC="$DEMO_STORE"
else
	say "making the demo store (first run of coop --demo)"
	"$WORK/coop" --demo ls >"$WORK/demo.out" 2>&1 || { cat "$WORK/demo.out" >&2; die "making the demo store failed"; }
	SRC="$XDG_DATA_HOME/coop/demo"
fi
[[ -d "$SRC/.coop" ]] || die "$SRC is not a coop store"
FILES="$(find "$SRC" -path "$SRC/.coop" -prune -o -type f -print | wc -l)"
BYTES="$(find "$SRC" -path "$SRC/.coop" -prune -o -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')"
say "source: $FILES files, $BYTES bytes (metadata files included) in $SRC"

# ---- timing ----------------------------------------------------------------
timed() { # timed NAME CMD...: appends the seconds to $WORK/times.NAME
	local name=$1 t0 t1
	shift
	sync
	now t0
	"$@" >"$WORK/last.out" 2>&1 || { tail -n 30 "$WORK/last.out" >&2; die "$name failed"; }
	now t1
	echo "$t1 - $t0" | bc -l >>"$WORK/times.$name"
}
median() { sort -g "$1" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

run_coop() { # run_coop ROUND
	/usr/bin/time -f '%M' -o "$WORK/rss.$1" "$WORK/coop" --storage "$SRC" migrate --workers "$WORKERS" \
		--to-backend aws --to-bucket "coop-$1" --to-endpoint-url "$S3" --to-path-style \
		--to-dynamodb-endpoint "http://127.0.0.1:$DPORT" --to-accounts-table "Accounts$1" --to-repositories-table "Repositories$1" \
		--to-audit-log "$WORK/audit.log"
}
run_s5cmd() { s5 cp --exclude '.coop/*' "$SRC/*" "s3://s5-$1/"; }

for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
	s5 mb "s3://coop-$ROUND" >/dev/null
	s5 mb "s3://s5-$ROUND" >/dev/null
	say "round $ROUND of $ROUNDS (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	if ((ROUND % 2)); then
		timed coop run_coop "$ROUND"
		cp "$WORK/last.out" "$WORK/coop.out"
		timed s5cmd run_s5cmd "$ROUND"
	else
		timed s5cmd run_s5cmd "$ROUND"
		timed coop run_coop "$ROUND"
		cp "$WORK/last.out" "$WORK/coop.out"
	fi
	cat "$WORK/rss.$ROUND" >>"$WORK/times.rss"
	coop_n="$(s5 ls "s3://coop-$ROUND/*" | wc -l)"
	s5_n="$(s5 ls "s3://s5-$ROUND/*" | wc -l)"
	say "objects in the buckets: coop $coop_n, s5cmd $s5_n"
	[[ "$coop_n" == "$s5_n" ]] || say "warning: the buckets differ in their number of objects"
	rm -rf "$WORK/s3data/coop-$ROUND" "$WORK/s3data/s5-$ROUND"
done

tail -n 1 "$WORK/coop.out" >&2
c="$(median "$WORK/times.coop")"
s="$(median "$WORK/times.s5cmd")"
rss="$(median "$WORK/times.rss")"
printf '\n%-34s %10s %10s %8s\n' "demo store → versitygw ($FILES files)" coop s5cmd "coop/s5"
printf '%-34s %9.1fs %9.1fs %8.2f\n' "time (median of $ROUNDS)" "$c" "$s" "$(echo "$c / $s" | bc -l)"
printf '%-34s %9.0fMB\n' "coop peak RSS" "$(echo "$rss / 1024" | bc -l)"
printf 'load average at the end: %s; %d cores\n' "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)"
