#!/usr/bin/env bash
# bench-metadata.sh — what coop costs on a repository whose metadata
# document holds ENTRIES file entries (default 1,000,000; 10,000,000 is
# the large case, about 3 GiB of document: not for CI), on the local store
# and on the AWS store (versitygw + DynamoDB Local, started here):
#
#   coop stat of one object, cold (no index of the document yet: the
#     first read after another tool wrote it) and warm (indexed)
#   coop ls of one folder of 1,000 files, warm
#   coop upload of 1,000 files of 4 KiB into the repository
#   coop repo repair with nothing to fix (every object has its entry)
#
# each with its wall time and the peak resident memory of the coop
# process (/usr/bin/time -v). The document comes from internal/genmeta
# (sorted as coop writes them; SHUFFLED=1 adds a cold stat of the same
# document in random order, as other tools may write it). Its objects are
# empty files made straight in the store's folders (versitygw's posix
# folder for S3): making 1,000,000 objects through PUTs would take hours.
#
# Environment: ENTRIES, STORES ("local aws"), SHUFFLED=1, BENCH_DIR (where
# the data goes, default $TMPDIR; about 1 GiB per million entries and
# store, and a million inodes). Needs the test servers
# (scripts/test-servers.sh install), Go, /usr/bin/time and the aws CLI.
# Everything is removed at the end.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ENTRIES="${ENTRIES:-1000000}"
STORES="${STORES:-local aws}"
ACCESS_KEY=benchkey
SECRET_KEY=benchsecret
BUCKET=bench

source "$REPO/scripts/bench-lib.sh"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is needed (Debian package time)"

bench_workdir coop-bench-meta

say "building coop and genmeta"
(cd "$REPO" && CGO_ENABLED=0 go build -o "$WORK/coop" ./cmd/coop && go build -o "$WORK/genmeta" ./internal/genmeta)
coop() { "$WORK/coop" "$@"; }
# quiet CMD... runs an untimed step, showing its output only if it fails.
quiet() { "$@" >"$WORK/quiet.out" 2>&1 || { cat "$WORK/quiet.out" >&2; die "$* failed"; }; }

mkdir -p "$WORK/up"
for i in $(seq -w 0 999); do head -c 4096 /dev/urandom >"$WORK/up/f$i"; done

RESULTS=()
# measured STORE NAME CMD... runs CMD under /usr/bin/time -v and records
# its wall time and peak RSS.
measured() {
	local store=$1 name=$2 secs rss
	shift 2
	/usr/bin/time -v -o "$WORK/time.out" "$@" >"$WORK/last.out" 2>&1 || { cat "$WORK/last.out" "$WORK/time.out" >&2; die "$store: $name failed"; }
	secs="$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$WORK/time.out")"
	rss="$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$WORK/time.out")"
	RESULTS+=("$(printf '%-6s %-44s %9.2f s %7s MiB' "$store" "$name" "$secs" "$rss")")
	say "$store: $name: ${secs}s, ${rss} MiB"
}

# warm_stats STORE PATH times RUNS (20) warm stats of PATH with perf
# stat, finer than /usr/bin/time's 10 ms, when perf is installed. On the
# AWS store, a CA bundle named by AWS_CA_BUNDLE is parsed whole by the
# SDK as each command starts, whether or not a TLS connection follows
# (the endpoints here are plain HTTP): with one set, the stats are timed
# with and without it.
warm_stats() {
	local store=$1 path=$2 ms
	command -v perf >/dev/null || return 0
	ms="$(perf stat -r "${RUNS:-20}" "$WORK/coop" stat "$path" 2>&1 >/dev/null | awk '/time elapsed/ { printf "%.1f", $1 * 1000 }')"
	RESULTS+=("$(printf '%-6s %-44s %9s ms (perf stat, mean of %d)' "$store" "stat, warm" "$ms" "${RUNS:-20}")")
	if [[ $store == aws && -n ${AWS_CA_BUNDLE:-} ]]; then
		ms="$(env -u AWS_CA_BUNDLE perf stat -r "${RUNS:-20}" "$WORK/coop" stat "$path" 2>&1 >/dev/null | awk '/time elapsed/ { printf "%.1f", $1 * 1000 }')"
		RESULTS+=("$(printf '%-6s %-44s %9s ms (perf stat, mean of %d)' "$store" "stat, warm, AWS_CA_BUNDLE unset" "$ms" "${RUNS:-20}")")
	fi
}

# bench STORE INDEXDIR: the measurements on bench/big, whose document and
# objects are in place; INDEXDIR is where coop keeps its index of it.
bench() {
	local store=$1 index=$2 one="data/part-00000/file-00000000.bin"
	local mid
	mid="$(printf 'data/part-%05d/file-%08d.bin' $((ENTRIES / 2000)) $((ENTRIES / 2000 * 1000 + 7)))"
	rm -rf "$index"
	measured "$store" "stat, cold (document not indexed yet)" "$WORK/coop" stat "bench/big/$mid"
	measured "$store" "stat, warm" "$WORK/coop" stat "bench/big/$one"
	warm_stats "$store" "bench/big/$one"
	measured "$store" "ls of a folder of 1,000 files, warm" "$WORK/coop" ls "bench/big/$(dirname "$mid")"
	measured "$store" "upload 1,000 × 4 KiB files" "$WORK/coop" upload "$WORK/up/" bench/big/new
	measured "$store" "stat after the upload" "$WORK/coop" stat bench/big/new/f500
	measured "$store" "repair, nothing to fix" "$WORK/coop" repo repair bench/big
	grep -q ' 0 entries added, 0 removed, 0 updated' "$WORK/last.out" || { cat "$WORK/last.out" >&2; die "$store: repair found something to fix"; }
}

SIZE=""
for STORE in $STORES; do
	case $STORE in
	local)
		say "local: $ENTRIES entries and their objects"
		LOCAL="$WORK/localstore"
		(export COOP_BACKEND=local COOP_STORAGE="$LOCAL" XDG_CONFIG_HOME="$WORK/config-local"
			quiet coop init
			quiet coop account create bench --type organization
			quiet coop repo create bench/big)
		"$WORK/genmeta" -n "$ENTRIES" -account bench -repo big -objects "$LOCAL/bench/big" -o "$LOCAL/bench/big/.source-metadata.json"
		SIZE="$(du -h "$LOCAL/bench/big/.source-metadata.json" | cut -f1)"
		(export COOP_BACKEND=local COOP_STORAGE="$LOCAL" XDG_CONFIG_HOME="$WORK/config-local"
			bench local "$LOCAL/.coop/metaindex/bench/big"
			if [[ "${SHUFFLED:-0}" == 1 ]]; then
				quiet coop repo create bench/shuffled
				"$WORK/genmeta" -n "$ENTRIES" -account bench -repo shuffled -shuffle -o "$LOCAL/bench/shuffled/.source-metadata.json"
				# Its objects are not made: stat reports the entry, and that the
				# object is missing, with exit status 1.
				measured local "stat, cold, document in random order" \
					sh -c '"$0" stat "$1"; test $? = 1' "$WORK/coop" bench/shuffled/data/part-00000/file-00000003.bin
			fi
			printf '%s\n' "${RESULTS[@]}" >"$WORK/results.local")
		rm -rf "$LOCAL"
		;;
	aws)
		mkdir -p "$WORK/s3data/$BUCKET"
		start_servers "$WORK/s3data" --keep-alive
		command -v aws >/dev/null || die "the aws CLI is needed"
		(export AWS_ACCESS_KEY_ID="$ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$SECRET_KEY" AWS_REGION=us-east-1
			export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
			export COOP_BACKEND=aws COOP_BUCKET="$BUCKET" COOP_ENDPOINT_URL="http://127.0.0.1:$SPORT" COOP_PATH_STYLE=true
			export COOP_DYNAMODB_ENDPOINT="http://127.0.0.1:$DPORT" XDG_CONFIG_HOME="$WORK/config-aws" XDG_CACHE_HOME="$WORK/cache-aws"
			quiet coop init
			quiet coop account create bench --type organization
			quiet coop repo create bench/big
			say "aws: $ENTRIES entries and their objects"
			"$WORK/genmeta" -n "$ENTRIES" -account bench -repo big -objects "$WORK/s3data/$BUCKET/bench/big" -o "$WORK/meta.json"
			SIZE="$(du -h "$WORK/meta.json" | cut -f1)"
			quiet aws --endpoint-url "$COOP_ENDPOINT_URL" s3 cp "$WORK/meta.json" "s3://$BUCKET/bench/big/.source-metadata.json"
			rm "$WORK/meta.json"
			bench aws "$XDG_CACHE_HOME/coop/metaindex"
			printf '%s\n' "${RESULTS[@]}" >"$WORK/results.aws")
		;;
	*) die "unknown store $STORE (local, aws)" ;;
	esac
done

echo
echo "coop on a repository of $ENTRIES file entries ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end)"
for STORE in $STORES; do cat "$WORK/results.$STORE"; done
