package server_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/coopterm/coop/server"
)

// A stop asked for as the server starts (a SIGTERM right after "serving")
// must still end Serve: the ssh server forgets a shutdown that came before
// its accept loop began, so Serve must not leave the listener to it.
func TestStopRightAfterStartEndsServe(t *testing.T) {
	store := newLocalStore(t)
	for i := range 30 {
		srv, err := server.New(server.Config{Store: store, HostKey: newSigner(t), SpoolDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		done := make(chan error, 1)
		go func() { done <- srv.Serve(ctx, ln) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("start %d: Serve: %v", i, err)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("start %d: Serve did not end within 15s of a stop asked for at its start", i)
		}
	}
}
