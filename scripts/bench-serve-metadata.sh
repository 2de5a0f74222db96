#!/usr/bin/env bash
# bench-serve-metadata.sh — what SESSIONS (default 20) SSH sessions
# previewing files cost `coop serve` in memory, on a repository whose
# metadata document holds ENTRIES file entries (default 1,000,000, about
# 320 MB; the local store). The server starts cold (the document not
# indexed yet); each session is OpenSSH's `ssh -tt` in a tmux window,
# opening the browser at a file of its own folder, waiting until the
# preview shows that file's metadata entry, then moving down MOVES rows
# and waiting for each next file's entry. The script prints the server's
# resident memory (VmRSS) and peak (VmHWM) from /proc before the first
# session, after every session has previewed, and the growth (goal: at
# most 100 MB in all for 20 sessions at 1,000,000 entries).
#
# The document comes from internal/genmeta; only the objects of the
# folders the sessions open are made (empty files), since the preview
# needs those alone. Environment: ENTRIES, SESSIONS, MOVES (default 5),
# BENCH_DIR (default $TMPDIR; about 400 MB per million entries).
# Needs Go, OpenSSH's ssh and ssh-keygen, and tmux. Not part of make test.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ENTRIES="${ENTRIES:-1000000}"
SESSIONS="${SESSIONS:-20}"
MOVES="${MOVES:-5}"
PER_FOLDER=1000

source "$REPO/scripts/bench-lib.sh"
for tool in ssh ssh-keygen tmux; do
	command -v "$tool" >/dev/null || die "$tool is needed"
done
((ENTRIES >= SESSIONS * PER_FOLDER)) || die "ENTRIES must be at least SESSIONS × $PER_FOLDER"

bench_workdir coop-bench-serve-meta
TMUX_SOCK="coop-bench-$$"
cleanup_all() {
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null || true
	bench_cleanup
}
trap cleanup_all EXIT

say "building coop and genmeta"
(cd "$REPO" && CGO_ENABLED=0 go build -o "$WORK/coop" ./cmd/coop && go build -o "$WORK/genmeta" ./internal/genmeta)
export COOP_BACKEND=local COOP_STORAGE="$WORK/store" XDG_CONFIG_HOME="$WORK/config" COOP_THEME=dark
quiet() { "$@" >"$WORK/quiet.out" 2>&1 || { cat "$WORK/quiet.out" >&2; die "$* failed"; }; }
quiet "$WORK/coop" init
quiet "$WORK/coop" account create bench --type organization
quiet "$WORK/coop" repo create bench/big
ssh-keygen -q -t ed25519 -N "" -C bench -f "$WORK/key"
quiet "$WORK/coop" account add-key bench "$(cat "$WORK/key.pub")"

say "$ENTRIES entries"
BIG="$COOP_STORAGE/bench/big"
"$WORK/genmeta" -n "$ENTRIES" -files "$PER_FOLDER" -account bench -repo big -o "$BIG/.source-metadata.json"
DOC_SIZE="$(du -h "$BIG/.source-metadata.json" | cut -f1)"
# Session i opens a file in folder i × (folders / SESSIONS), spread over
# the document.
FOLDERS=$((ENTRIES / PER_FOLDER))
folder_of() { echo $(($1 * FOLDERS / SESSIONS)); }
for i in $(seq 0 $((SESSIONS - 1))); do
	d="$(folder_of "$i")"
	dir="$BIG/data/$(printf 'part-%05d' "$d")"
	mkdir -p "$dir"
	(cd "$dir" && seq $((d * PER_FOLDER)) $((d * PER_FOLDER + PER_FOLDER - 1)) | xargs printf 'file-%08d.bin\n' | xargs touch)
done

PORT="$(free_port)"
"$WORK/coop" serve --listen "127.0.0.1:$PORT" --host-key "$WORK/hostkey" --anonymous none \
	--max-sessions $((SESSIONS + 8)) --rate 0 >"$WORK/serve.log" 2>&1 &
SERVER=$!
PIDS+=("$SERVER")
wait_port "$PORT" "$WORK/serve.log"

# mem FIELD: the server's VmRSS or VmHWM, in KiB.
mem() { awk -v f="$1:" '$1 == f {print $2}' "/proc/$SERVER/status"; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }

# wait_screen WINDOW TEXT SECONDS: until the window shows TEXT.
wait_screen() {
	local deadline=$((SECONDS + $3))
	while ((SECONDS < deadline)); do
		tmux -L "$TMUX_SOCK" capture-pane -p -t "bench:$1" 2>/dev/null | grep -qF -- "$2" && return 0
		sleep 0.2
	done
	tmux -L "$TMUX_SOCK" capture-pane -p -t "bench:$1" >&2 || true
	die "session $1: \"$2\" not on screen within $3 s"
}

sleep 1
RSS0="$(mem VmRSS)" HWM0="$(mem VmHWM)"
say "server started: VmRSS $(mib "$RSS0") MiB, VmHWM $(mib "$HWM0") MiB"

SSH=(ssh -tt -p "$PORT" -i "$WORK/key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o IdentitiesOnly=yes -o LogLevel=ERROR -o ConnectTimeout=10 bench@127.0.0.1)
tmux -L "$TMUX_SOCK" new-session -d -s bench -n idle -x 120 -y 40
start=$SECONDS
for i in $(seq 0 $((SESSIONS - 1))); do
	d="$(folder_of "$i")"
	n=$((d * PER_FOLDER + 7))
	path="bench/big/data/$(printf 'part-%05d/file-%08d.bin' "$d" "$n")"
	tmux -L "$TMUX_SOCK" new-window -d -t "bench:$((i + 1))" "$(printf '%q ' "${SSH[@]}" "$path")"
	# The first session waits for the index to be built.
	wait_screen $((i + 1)) "seq        $n" 600
	for m in $(seq 1 "$MOVES"); do
		tmux -L "$TMUX_SOCK" send-keys -t "bench:$((i + 1))" j
		wait_screen $((i + 1)) "seq        $((n + m))" 60
	done
	if ((i == 0)); then
		say "first session previewed after $((SECONDS - start)) s (the index built): VmRSS $(mib "$(mem VmRSS)") MiB, VmHWM $(mib "$(mem VmHWM)") MiB"
	fi
done
sleep 2
RSS1="$(mem VmRSS)" HWM1="$(mem VmHWM)"
echo
echo "coop serve, $SESSIONS ssh -tt sessions each previewing $((MOVES + 1)) files, repository of $ENTRIES entries ($DOC_SIZE document), local store"
echo "($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end)"
printf '%-34s %10s %10s\n' "" "VmRSS" "VmHWM"
printf '%-34s %6s MiB %6s MiB\n' "before the first session" "$(mib "$RSS0")" "$(mib "$HWM0")"
printf '%-34s %6s MiB %6s MiB\n' "all sessions open, previewed" "$(mib "$RSS1")" "$(mib "$HWM1")"
printf '%-34s %6s MiB %6s MiB\n' "growth" "$(mib $((RSS1 - RSS0)))" "$(mib $((HWM1 - HWM0)))"
for i in $(seq 1 "$SESSIONS"); do tmux -L "$TMUX_SOCK" send-keys -t "bench:$i" q; done
