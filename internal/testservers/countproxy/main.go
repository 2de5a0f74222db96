// Command countproxy puts a testservers.FaultProxy (with no faults) in
// front of an S3 server and counts its requests by operation, for the
// benchmark script: it prints its URL on the first line of stdout, then,
// when stopped with SIGINT or SIGTERM, one "operation count" line each.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"github.com/coopterm/coop/internal/testservers"
)

func main() {
	target := flag.String("target", "", "S3 endpoint to forward to, e.g. http://127.0.0.1:7070")
	flag.Parse()
	if *target == "" {
		fmt.Fprintln(os.Stderr, "usage: countproxy -target URL")
		os.Exit(2)
	}
	p, err := testservers.NewFaultProxy(*target)
	if err != nil {
		fmt.Fprintln(os.Stderr, "countproxy:", err)
		os.Exit(1)
	}
	fmt.Println(p.URL)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	_ = p.Close()
	counts := p.Counts()
	ops := make([]string, 0, len(counts))
	for op := range counts {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	for _, op := range ops {
		fmt.Printf("%s %d\n", op, counts[op])
	}
}
