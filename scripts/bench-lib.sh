# bench-lib.sh — what the benchmark scripts share. Sourced by them, not
# run; they set REPO first (and CACHE and S5CMD_VERSION for build_s5cmd).

# now VAR sets VAR to the time in seconds, from bash's own clock
# ($EPOCHREALTIME, bash 5), with a decimal point whatever the locale's:
# nothing is forked around what is timed. A date(1) in a command
# substitution was a fork, an exec and a dynamic load inside each figure
# (/bin/true timed 32 ms that way at load 15, 7.6 ms this way; a few ms
# idle, as much as `coop stat`'s whole goal at RTT 0 is 20 ms).
now() {
	local t=${EPOCHREALTIME:-}
	[[ -n $t ]] || t=$(date +%s.%N)
	printf -v "$1" '%s' "${t/,/.}"
}

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# bench_workdir NAME makes WORK, a scratch folder under BENCH_DIR (or
# TMPDIR), and removes it at exit after stopping every process in PIDS.
bench_workdir() {
	WORK="$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/$1.XXXXXX")"
	PIDS=()
	trap bench_cleanup EXIT
}
bench_cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$WORK"
}

# build_s5cmd sets S5CMD, building s5cmd S5CMD_VERSION from the Go module
# proxy into CACHE/bin the first time.
build_s5cmd() {
	S5CMD="$CACHE/bin/s5cmd"
	[[ -x "$S5CMD" ]] && return 0
	say "building s5cmd $S5CMD_VERSION from the Go module proxy"
	local dir
	dir="$(cd "$WORK" && go mod download -json "github.com/peak/s5cmd/v2@$S5CMD_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
	[[ -d "$dir" ]] || die "go mod download of s5cmd failed"
	cp -r "$dir" "$WORK/s5src" && chmod -R u+w "$WORK/s5src"
	mkdir -p "$CACHE/bin"
	(cd "$WORK/s5src" && go build -mod=mod -o "$S5CMD" .)
	rm -rf "$WORK/s5src"
}

# test_servers sets versitygw and dynamodb_lib, the installed test servers.
test_servers() {
	eval "$("$REPO/scripts/test-servers.sh" paths)"
	[[ -x "${versitygw:-}" && -n "${dynamodb_lib:-}" ]] || die "test servers not installed: run scripts/test-servers.sh install"
}

free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
	done
	die "no free port"
}

wait_port() { # wait_port PORT LOG
	for _ in $(seq 1 300); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	tail -n 20 "$2" >&2
	die "nothing listens on $1 (log above)"
}

# listens PID PORT: whether process PID listens on PORT (without ss(8):
# whether anything does).
listens() {
	if command -v ss >/dev/null; then
		ss -Hltnp "sport = :$2" | grep -q "pid=$1,"
	else
		(exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null
	fi
}

# serve NAME CMD... runs a server in the background, CMD naming its port
# {port}, on a free port it then keeps in SERVED_PORT; its output goes to
# $WORK/NAME.log. Another process may take the chosen port before the
# server binds it: then the server exits and a new port is tried.
serve() {
	local name=$1 port pid
	shift
	for _ in 1 2 3; do
		port="$(free_port)"
		"${@//\{port\}/$port}" >"$WORK/$name.log" 2>&1 &
		pid=$!
		PIDS+=("$pid")
		for _ in $(seq 1 300); do
			kill -0 "$pid" 2>/dev/null || break
			if listens "$pid" "$port"; then
				SERVED_PORT=$port
				return 0
			fi
			sleep 0.1
		done
		kill "$pid" 2>/dev/null || true
	done
	tail -n 20 "$WORK/$name.log" >&2
	die "$name did not start (log above)"
}

# start_servers DATA [VERSITYGW FLAGS...] starts versitygw on the folder
# DATA (S3, port SPORT) and DynamoDB Local (port DPORT) with the keys
# ACCESS_KEY and SECRET_KEY.
start_servers() {
	local data=$1
	shift
	test_servers
	serve versitygw "$versitygw" --access "$ACCESS_KEY" --secret "$SECRET_KEY" --port "127.0.0.1:{port}" --quiet "$@" posix "$data"
	SPORT=$SERVED_PORT
	serve dynamodb sh -c 'cd "$1" && exec java -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar -inMemory -port "$2"' sh "$dynamodb_lib" "{port}"
	DPORT=$SERVED_PORT
}
