# The one test command: `make test` installs what it needs (golangci-lint,
# tmux, Java, DynamoDB Local, versitygw), then vets, lints and runs every
# test, the end-to-end ones included, with the race detector.

GOLANGCI_VERSION := v2.15.0
CACHE := $(CURDIR)/.cache
BIN := $(CACHE)/bin
GOLANGCI := $(BIN)/golangci-lint-$(GOLANGCI_VERSION)
export COOP_TESTSERVERS_DIR ?= $(CACHE)/testservers

.PHONY: test tools servers vet lint unit build demo

test: tools vet lint unit

tools: $(GOLANGCI) servers
	@command -v tmux >/dev/null || (apt-get update -qq && apt-get install -y -qq tmux)

$(GOLANGCI):
	mkdir -p $(BIN)
	GOBIN=$(BIN) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)
	mv $(BIN)/golangci-lint $(GOLANGCI)

servers:
	./scripts/test-servers.sh install

vet:
	go vet ./...

lint: $(GOLANGCI)
	$(GOLANGCI) run ./...

unit:
	go test -race -count=1 -timeout 30m ./...

build:
	go build -o coop ./cmd/coop

demo:
	go run ./cmd/coop --demo
