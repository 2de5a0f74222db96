// Command countproxy puts a testservers.FaultProxy (with no faults) in
// front of an S3 server and counts its requests by operation, for the
// benchmark scripts: it prints its URL on the first line of stdout, then,
// when stopped with SIGINT or SIGTERM, one "operation count" line each,
// one "bytes operation N" line each for the answer bytes passed on (and
// "operation suffix count" for each -watch OP:SUFFIX). With -delay it
// also holds every byte for that one-way delay each way (the round trip
// is twice it), for the benchmarks at network latency; it fronts DynamoDB
// as well as S3. With -tcp it is the delay alone, a TCP proxy that
// neither parses nor counts (it prints its URL only): the benchmarks'
// distant network, at little CPU beside the tools it times.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/coopterm/coop/internal/testservers"
)

func main() {
	target := flag.String("target", "", "S3 endpoint to forward to, e.g. http://127.0.0.1:7070")
	delay := flag.Duration("delay", 0, "one-way delay each way, e.g. 15ms for a 30 ms round trip")
	tcp := flag.Bool("tcp", false, "only hold the bytes for -delay, as a TCP proxy: no HTTP, no counts")
	var watches []string
	flag.Func("watch", "also count operation OP on paths ending with SUFFIX (OP:SUFFIX); repeatable", func(v string) error {
		if !strings.Contains(v, ":") {
			return fmt.Errorf("want OP:SUFFIX, not %q", v)
		}
		watches = append(watches, v)
		return nil
	})
	flag.Parse()
	if *target == "" {
		fmt.Fprintln(os.Stderr, "usage: countproxy -target URL")
		os.Exit(2)
	}
	if *tcp && len(watches) > 0 {
		fmt.Fprintln(os.Stderr, "countproxy: -watch counts requests, which -tcp does not see")
		os.Exit(2)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	if *tcp {
		d, err := testservers.NewDelayProxy(*target)
		if err != nil {
			fmt.Fprintln(os.Stderr, "countproxy:", err)
			os.Exit(1)
		}
		d.SetDelay(*delay)
		fmt.Println(d.URL)
		<-sig
		_ = d.Close()
		return
	}
	p, err := testservers.NewFaultProxy(*target)
	if err != nil {
		fmt.Fprintln(os.Stderr, "countproxy:", err)
		os.Exit(1)
	}
	for _, w := range watches {
		op, suffix, _ := strings.Cut(w, ":")
		p.WatchSuffix(op, suffix)
	}
	p.SetDelay(*delay)
	fmt.Println(p.URL)
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
	for _, op := range ops {
		fmt.Printf("bytes %s %d\n", op, p.Bytes(op))
	}
	for _, w := range watches {
		op, suffix, _ := strings.Cut(w, ":")
		fmt.Printf("%s %s %d\n", op, suffix, p.CountSuffix(op, suffix))
	}
}
