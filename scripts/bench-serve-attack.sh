#!/usr/bin/env bash
# bench-serve-attack.sh — how `coop serve` holds up under a crowd: 500
# anonymous connections from 100 loopback addresses try to hold every slot
# (half never finish logging in, half sign in and keep an SFTP session),
# and one client opens SFTP handles as fast as it can. Meanwhile a
# registered user runs OpenSSH's `ssh host whoami` 20 times; the script
# prints its median and worst time (goal: worst under 1 s) and the
# server's largest resident memory (goal: under 300 MB).
#
# Needs Go and OpenSSH's ssh; about a minute. Not part of `make test`.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
ulimit -n 65536 2>/dev/null || true
go test -run '^$' -bench 'BenchmarkServeUnderAttack$' -benchtime 1x -timeout 10m -v ./e2e/ | grep -E 'Benchmark|logins|ok|FAIL'
