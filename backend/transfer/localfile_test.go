package transfer

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// A part file takes its final name without replacing a file that
// appeared meanwhile, and leaves no part file behind either way.
func TestPartCommit(t *testing.T) {
	dir := t.TempDir()
	write := func(content string) *partFile {
		t.Helper()
		p, err := createPart(dir)
		mustDo(t, err)
		_, err = p.f.WriteString(content)
		mustDo(t, err)
		return p
	}
	dst := filepath.Join(dir, "f.txt")
	mustDo(t, write("first").commit(dst, true))
	if err := write("second").commit(dst, true); !errors.Is(err, errLocalExists) {
		t.Fatalf("commit over an existing file without replacing: %v, want errLocalExists", err)
	}
	if b, _ := os.ReadFile(dst); string(b) != "first" {
		t.Fatalf("the existing file was replaced: %q", b)
	}
	mustDo(t, write("third").commit(dst, false))
	if b, _ := os.ReadFile(dst); string(b) != "third" {
		t.Fatalf("commit with replacing left %q", b)
	}
	if err := write("x").commit(filepath.Join(dir, "f.txt", "below"), true); err == nil {
		t.Fatal("commit below a file succeeded")
	}
	ents, err := os.ReadDir(dir)
	mustDo(t, err)
	if len(ents) != 1 || ents[0].Name() != "f.txt" {
		t.Fatalf("left in the folder: %v", ents)
	}
}

// A part file just made is never taken for a leftover by a clean-up
// running at the same time (another job's, or another process's).
func TestPartSurvivesConcurrentClean(t *testing.T) {
	dir := t.TempDir()
	stop := make(chan struct{})
	var cleaning sync.WaitGroup
	for range 2 {
		cleaning.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					cleanParts(dir)
				}
			}
		})
	}
	lost := 0
	for range 500 {
		p, err := createPart(dir)
		mustDo(t, err)
		if _, err := os.Stat(p.name); err != nil {
			lost++
		}
		p.discard()
	}
	close(stop)
	cleaning.Wait()
	if lost > 0 {
		t.Fatalf("%d of 500 new part files were removed by a concurrent clean-up", lost)
	}
}
