#!/usr/bin/env bash
# bench-transfers.sh — coop's transfers against s5cmd's, side by side in one
# run, on versitygw (S3) and DynamoDB Local started here on free ports:
#
#   upload 1,000 files of 64 KiB       upload one 1 GiB file
#   download both back                 delete 10,000 objects
#   list the 1,000 keys                coop stat of one object (coop only)
#
# at each round-trip time of RTTS (default "0 30 100", in ms): above 0,
# both tools reach versitygw, and coop DynamoDB Local too, through a
# proxy that holds every byte for half the round trip each way (bandwidth
# untouched; a new connection costs a round trip more, as TCP's handshake
# does); at 0 they reach the servers directly. That proxy is a TCP one
# that parses nothing, so it takes little of the CPU the tools and the
# servers share (a real network takes none); LINK=http puts the counting
# HTTP proxy in its place (two hops, each parsed: more CPU, for both).
#
# then, through a counting proxy, how many DeleteObjects requests coop
# needs for 10,000 objects and how many metadata writes an upload makes,
# and what it costs to upload into a repository whose metadata already
# holds 100,000 entries (on the AWS store and on the local store).
#
# Before the first round each tool uploads the small files once, untimed,
# so that neither is timed against servers not yet warmed up. Each
# comparison runs ROUNDS times (default 3), the two tools in turn
# (one round coop first, the next s5cmd first), and the medians are
# compared: ratio = s5cmd time / coop time, so 1.0 or more means coop is at
# least as fast. coop computes and checks a SHA-256 of every file; s5cmd
# checks nothing. Downloads are compared with the sources after timing.
#
# Environment: ROUNDS, RTTS, BENCH_DIR (where the data goes, default $TMPDIR),
# SMALL_FILES, BIG_MIB and DELETE_FILES (the sizes, for a short run),
# COOP_BIN (a coop binary to time instead of the one built here),
# KEEP_ALIVE=0 to run versitygw without --keep-alive (its default; real S3
# keeps connections), SKIP_META=1 to skip the 100,000-entry measurement,
# LINK=http (see above), ONLY="up down ..." to time only some comparisons
# (up, bigup, down, bigdown, ls, stat, del; default all of them).
# Needs the test servers (scripts/test-servers.sh install) and Go; builds
# coop, and s5cmd v2.3.0 from the Go module proxy into .cache/bin.
# About 5 GiB of disk at the peak; everything is removed at the end.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$REPO/.cache"
ROUNDS="${ROUNDS:-3}"
RTTS="${RTTS:-0 30 100}"
S5CMD_VERSION="v2.3.0"
SMALL_FILES="${SMALL_FILES:-1000}"
SMALL_SIZE=65536
BIG_MIB="${BIG_MIB:-1024}"
DELETE_FILES="${DELETE_FILES:-10000}"
META_ENTRIES=100000
ACCESS_KEY=benchkey
SECRET_KEY=benchsecret
BUCKET=bench
ONLY="${ONLY:-up bigup down bigdown ls stat del}"

source "$REPO/scripts/bench-lib.sh"
# pick CASE...: whether ONLY names one of the cases.
pick() {
	local c
	for c in "$@"; do [[ " $ONLY " == *" $c "* ]] && return 0; done
	return 1
}

bench_workdir coop-bench

# ---- tools -----------------------------------------------------------------
say "building coop and the counting proxy"
(cd "$REPO" && CGO_ENABLED=0 go build -o "$WORK/coop" ./cmd/coop && go build -o "$WORK/countproxy" ./internal/testservers/countproxy)
if [[ -n "${COOP_BIN:-}" ]]; then cp "$COOP_BIN" "$WORK/coop"; fi # another build of coop, to compare
build_s5cmd

# ---- servers ---------------------------------------------------------------
mkdir -p "$WORK/s3data"
keep=(--keep-alive)
[[ "${KEEP_ALIVE:-1}" == 0 ]] && keep=()
start_servers "$WORK/s3data" "${keep[@]}"
S3="http://127.0.0.1:$SPORT"
export AWS_ACCESS_KEY_ID="$ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$SECRET_KEY" AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export COOP_BACKEND=aws COOP_BUCKET="$BUCKET" COOP_ENDPOINT_URL="$S3" COOP_DYNAMODB_ENDPOINT="http://127.0.0.1:$DPORT" COOP_PATH_STYLE=true
export XDG_CONFIG_HOME="$WORK/config"
S3_URL="$S3"
s5() { "$S5CMD" --endpoint-url "$S3_URL" "$@"; }
coop() { "$WORK/coop" "$@"; }
# quiet CMD... runs an untimed step, showing its output only if it fails.
quiet() { "$@" >"$WORK/quiet.out" 2>&1 || { cat "$WORK/quiet.out" >&2; die "$* failed"; }; }
quiet s5 mb "s3://$BUCKET"
quiet coop init
quiet coop account create bench --type organization

# ---- data ------------------------------------------------------------------
say "making the data: $SMALL_FILES × $SMALL_SIZE B, one $BIG_MIB MiB file, $DELETE_FILES small files"
mkdir -p "$WORK/small" "$WORK/del"
head -c $((SMALL_FILES * SMALL_SIZE)) /dev/urandom | (cd "$WORK/small" && split -b "$SMALL_SIZE" -d -a 4 - f)
if pick bigup bigdown; then head -c $((BIG_MIB << 20)) /dev/urandom >"$WORK/big.bin"; fi
head -c $((DELETE_FILES * 16)) /dev/urandom | (cd "$WORK/del" && split -b 16 -d -a 5 - d)

# ---- warm-up ---------------------------------------------------------------
# One untimed upload of the small files by each tool, straight to the
# servers: the first requests a fresh versitygw serves cost it more (its
# heap, its folders), and the first command timed, coop's in round 1 at
# RTT 0, was up to twice its next rounds (0.76–1.02 s against 0.4–0.7 s)
# while the server warmed up.
say "warming the servers up"
quiet coop repo create bench/warm-up
quiet coop upload "$WORK/small/" "bench/warm-up/small"
quiet s5 cp "$WORK/small/*" "s3://$BUCKET/s5/warm-up/small/"

# ---- timing ----------------------------------------------------------------
# timed NAME TOOL CMD... runs CMD, quietly, and appends its seconds to
# $WORK/times/NAME.TOOL.
timed() {
	local name=$1 tool=$2 t0 t1
	shift 2
	mkdir -p "$WORK/times"
	sync
	now t0
	"$@" >"$WORK/last.out" 2>&1 || { cat "$WORK/last.out" >&2; die "$tool: $name failed"; }
	now t1
	echo "$t1 - $t0" | bc -l >>"$WORK/times/$name.$tool"
}
median() { sort -g "$1" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# pair NAME COOPCMD -- S5CMD: both tools, in the round's order.
pair() {
	local name=$1 i
	shift
	local -a c=() s=()
	while [[ $1 != -- ]]; do c+=("$1"); shift; done
	shift
	s=("$@")
	if ((ROUND % 2)); then
		timed "$name" coop "${c[@]}"; timed "$name" s5cmd "${s[@]}"
	else
		timed "$name" s5cmd "${s[@]}"; timed "$name" coop "${c[@]}"
	fi
}

# ---- the network -----------------------------------------------------------
# proxy_url FILE: the URL a proxy started in the background prints first
# into FILE, once it does. Waited for (up to 60 s: on a loaded machine a
# proxy may take seconds to start), never taken empty: an empty endpoint
# would point the tools at AWS itself.
proxy_url() {
	local url=""
	for _ in $(seq 1 600); do
		url="$(head -n1 "$1" 2>/dev/null || true)"
		[[ $url == http://* ]] && break
		sleep 0.1
	done
	[[ $url == http://* ]] || die "the proxy writing $1 did not start"
	echo "$url"
}
# at_rtt MS points both tools at the servers through delaying proxies
# (RTT/2 each way), or straight at them for 0.
PROXY_PIDS=()
at_rtt() {
	local ms=$1 pid
	for pid in "${PROXY_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
	PROXY_PIDS=()
	if [[ $ms == 0 ]]; then
		S3_URL="$S3" DYNAMO_URL="http://127.0.0.1:$DPORT"
	else
		local d
		d="$((ms * 500))us"
		# The last RTT's addresses must not be read for the new ones.
		rm -f "$WORK/s3proxy.out" "$WORK/dproxy.out"
		local link=(-tcp)
		if [[ ${LINK:-tcp} == http ]]; then link=(); fi
		"$WORK/countproxy" "${link[@]}" -target "$S3" -delay "$d" >"$WORK/s3proxy.out" &
		PROXY_PIDS+=($!)
		PIDS+=($!)
		"$WORK/countproxy" "${link[@]}" -target "http://127.0.0.1:$DPORT" -delay "$d" >"$WORK/dproxy.out" &
		PROXY_PIDS+=($!)
		PIDS+=($!)
		S3_URL="$(proxy_url "$WORK/s3proxy.out")"
		DYNAMO_URL="$(proxy_url "$WORK/dproxy.out")"
	fi
	export COOP_ENDPOINT_URL="$S3_URL" COOP_DYNAMODB_ENDPOINT="$DYNAMO_URL"
}
s5() { "$S5CMD" --endpoint-url "$S3_URL" "$@"; }

N_UP="upload $SMALL_FILES × 64 KiB"
N_BIGUP="upload $BIG_MIB MiB"
N_DOWN="download $SMALL_FILES × 64 KiB"
N_BIGDOWN="download $BIG_MIB MiB"
N_LS="list $SMALL_FILES keys"
N_DEL="delete $DELETE_FILES objects"
N_STAT="coop stat of one object"
for RTT in $RTTS; do
	at_rtt "$RTT"
	for ROUND in $(seq 1 "$ROUNDS"); do
		say "RTT $RTT ms: round $ROUND of $ROUNDS"
		R="rtt$RTT-round$ROUND"
		quiet coop repo create "bench/$R"
		D="$WORK/dl"
		rm -rf "$D" && mkdir -p "$D/s5-small"
		pick up && pair "$N_UP@$RTT" coop upload "$WORK/small/" "bench/$R/small" -- s5 cp "$WORK/small/*" "s3://$BUCKET/s5/$R/small/"
		pick bigup bigdown && pair "$N_BIGUP@$RTT" coop upload "$WORK/big.bin" "bench/$R/big.bin" -- s5 cp "$WORK/big.bin" "s3://$BUCKET/s5/$R/big.bin"
		if pick down ls stat && ! pick up; then # their objects, stored untimed
			quiet coop upload "$WORK/small/" "bench/$R/small"
			quiet s5 cp "$WORK/small/*" "s3://$BUCKET/s5/$R/small/"
		fi
		if pick down; then
			pair "$N_DOWN@$RTT" coop download "bench/$R/small/" "$D/coop-small" -- s5 cp "s3://$BUCKET/s5/$R/small/*" "$D/s5-small/"
			diff -rq "$WORK/small" "$D/coop-small" >/dev/null || die "coop's download of small/ differs"
		fi
		if pick bigdown; then
			pair "$N_BIGDOWN@$RTT" coop download "bench/$R/big.bin" "$D/coop-big.bin" -- s5 cp "s3://$BUCKET/s5/$R/big.bin" "$D/s5-big.bin"
			cmp -s "$WORK/big.bin" "$D/coop-big.bin" || die "coop's download of big.bin differs"
			cmp -s "$WORK/big.bin" "$D/s5-big.bin" || die "s5cmd's download of big.bin differs"
		fi
		pick ls && pair "$N_LS@$RTT" coop ls "bench/$R/small" -- s5 ls "s3://$BUCKET/s5/$R/small/*"
		pick stat && timed "$N_STAT@$RTT" coop coop stat "bench/$R/small/f0000"
		rm -rf "$D"
		if pick bigup bigdown; then
			quiet coop rm "bench/$R/big.bin"
			quiet s5 rm "s3://$BUCKET/s5/$R/big.bin"
		fi
		if pick del; then
			say "RTT $RTT ms, round $ROUND: storing $DELETE_FILES objects twice to delete them"
			quiet coop upload "$WORK/del/" "bench/$R/del"
			quiet s5 cp "$WORK/del/*" "s3://$BUCKET/s5/$R/del/"
			pair "$N_DEL@$RTT" coop rm -r --yes "bench/$R/del" -- s5 rm "s3://$BUCKET/s5/$R/del/*"
		fi
	done
done
at_rtt 0

# ---- request counts --------------------------------------------------------
say "counting requests through a proxy"
quiet coop repo create bench/counted
quiet coop upload "$WORK/del/" bench/counted/del
# counted CMD...: runs CMD with coop pointed at a counting proxy; the
# counts end up in $WORK/proxy.out.
counted() {
	"$WORK/countproxy" -target "$S3" -watch "PutObject:/.source-metadata.json" >"$WORK/proxy.out" &
	local pid=$!
	PIDS+=("$pid") # stopped at exit too, should the command fail
	local url
	url="$(proxy_url "$WORK/proxy.out")"
	COOP_ENDPOINT_URL="$url" quiet "$@"
	kill -INT "$pid"
	wait "$pid" 2>/dev/null || true
}
counted coop rm -r --yes bench/counted/del
DELETE_REQUESTS="$(awk '$1 == "DeleteObjects" {print $2}' "$WORK/proxy.out")"
counted coop upload "$WORK/small/" bench/counted/up
META_WRITES="$(awk '$1 == "PutObject" && $2 == "/.source-metadata.json" {print $3}' "$WORK/proxy.out")"

# ---- a repository with 100,000 entries -------------------------------------
meta_doc() { # meta_doc ACCOUNT REPO N: a metadata document with N file entries
	python3 - "$@" <<'PY'
import json, sys
acct, repo, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
now = "2026-01-01T00:00:00Z"
objs = {}
for i in range(n):
    objs["old/%06d.json" % i] = {"id": "%032x" % i, "type": "file", "size": 1000 + i, "mime_type": "application/json",
        "created_at": now, "updated_at": now, "checksum": "sha256:" + "%064x" % i, "metadata": {"station": "st-%d" % (i % 97)}}
objs["old"] = {"id": "d", "type": "directory", "size": 0, "mime_type": "", "created_at": now, "updated_at": now, "checksum": "", "metadata": {}}
json.dump({"repository_id": repo, "account_id": acct, "last_updated": now, "objects": objs}, sys.stdout)
PY
}
META_LINES=()
if [[ "${SKIP_META:-0}" != 1 ]]; then
	say "uploading 1,000 files into an empty repository and into one of $META_ENTRIES entries"
	meta_doc bench big "$META_ENTRIES" >"$WORK/meta.json"
	META_SIZE="$(du -h "$WORK/meta.json" | cut -f1)"
	# AWS store.
	quiet coop repo create bench/empty
	quiet coop repo create bench/big
	quiet s5 cp "$WORK/meta.json" "s3://$BUCKET/bench/big/.source-metadata.json"
	timed "aws: 1,000 files into an empty repository" coop coop upload "$WORK/small/" bench/empty/new
	timed "aws: 1,000 files into $META_ENTRIES entries" coop coop upload "$WORK/small/" bench/big/new
	n="$(s5 cat "s3://$BUCKET/bench/big/.source-metadata.json" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["objects"]))')"
	[[ "$n" == $((META_ENTRIES + 1 + SMALL_FILES + 1)) ]] || die "metadata of bench/big has $n entries"
	# Local store.
	LOCAL="$WORK/localstore"
	(export COOP_BACKEND=local COOP_STORAGE="$LOCAL"
		quiet coop init
		quiet coop account create bench --type organization
		quiet coop repo create bench/empty
		quiet coop repo create bench/big)
	cp "$WORK/meta.json" "$LOCAL/bench/big/.source-metadata.json"
	COOP_BACKEND=local COOP_STORAGE="$LOCAL" timed "local: 1,000 files into an empty repository" coop coop upload "$WORK/small/" bench/empty/new
	COOP_BACKEND=local COOP_STORAGE="$LOCAL" timed "local: 1,000 files into $META_ENTRIES entries" coop coop upload "$WORK/small/" bench/big/new
	META_LINES+=("metadata document of $META_ENTRIES entries: $META_SIZE")
fi

# ---- report ----------------------------------------------------------------
echo
echo "coop vs s5cmd $S5CMD_VERSION on versitygw (keep-alive ${KEEP_ALIVE:-1}), $(nproc) cores, median of $ROUNDS rounds, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for RTT in $RTTS; do
	echo
	echo "round trip $RTT ms"
	printf '%-30s %10s %10s %8s   %s\n' "" "coop (s)" "s5cmd (s)" "ratio" "each round: coop / s5cmd"
	for name in "$N_UP" "$N_BIGUP" "$N_DOWN" "$N_BIGDOWN" "$N_LS" "$N_DEL"; do
		[[ -f "$WORK/times/$name@$RTT.coop" ]] || continue
		c="$(median "$WORK/times/$name@$RTT.coop")"
		s="$(median "$WORK/times/$name@$RTT.s5cmd")"
		rounds="$(paste -d/ "$WORK/times/$name@$RTT.coop" "$WORK/times/$name@$RTT.s5cmd" | awk -F/ '{printf "%.2f/%.2f ", $1, $2}')"
		printf '%-30s %10.2f %10.2f %8.2f   %s\n' "$name" "$c" "$s" "$(echo "$s / $c" | bc -l)" "$rounds"
	done
	# stat's goal is in milliseconds (2 × RTT + 20 ms), so are its figures.
	if [[ -f "$WORK/times/$N_STAT@$RTT.coop" ]]; then
		st="$(median "$WORK/times/$N_STAT@$RTT.coop")"
		printf '%-30s %7.0f ms %10s %8s   %s(goal %d ms)\n' "$N_STAT" "$(echo "$st * 1000" | bc -l)" "-" "-" \
			"$(awk '{printf "%.0f ", $1 * 1000}' "$WORK/times/$N_STAT@$RTT.coop")" $((2 * RTT + 20))
	fi
done
echo
echo "DeleteObjects requests to delete $DELETE_FILES objects: $DELETE_REQUESTS"
echo "metadata writes while uploading $SMALL_FILES files into a new repository: $META_WRITES"
for name in "aws: 1,000 files into an empty repository" "aws: 1,000 files into $META_ENTRIES entries" \
	"local: 1,000 files into an empty repository" "local: 1,000 files into $META_ENTRIES entries"; do
	[[ -f "$WORK/times/$name.coop" ]] && printf '%-48s %8.2f s\n' "$name" "$(median "$WORK/times/$name.coop")"
done
for l in "${META_LINES[@]}"; do echo "$l"; done
