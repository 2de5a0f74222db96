package tui

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend/content"
	"github.com/coopterm/coop/backend/content/contenttest"
)

// BenchmarkKeyWhilePreviewLoads measures what a key costs the browser —
// Update and the frame's View, on the program's one goroutine — while
// previews of 64 KiB Markdown and Go files and a GeoParquet footer are
// read, highlighted and rendered in commands on other goroutines, as
// tea.Program runs them. The cursor moves through 60 such files and back;
// every rest of the cursor starts a preview (the cache holds one).
//
//	go test ./tui -run '^$' -bench KeyWhilePreviewLoads -benchtime 2000x
func BenchmarkKeyWhilePreviewLoads(b *testing.B) {
	s := sampleStore(100)
	var md, code strings.Builder
	for i := 0; md.Len() < 64<<10; i++ {
		fmt.Fprintf(&md, "## Section %d\n\nSome *text* with `code` and a [link](http://example.org/%d).\n\n- one\n- two\n\n", i, i)
	}
	for i := 0; code.Len() < 64<<10; i++ {
		fmt.Fprintf(&code, "func f%d(x int) (int, error) {\n\tif x > %d {\n\t\treturn 0, fmt.Errorf(\"too big: %%d\", x)\n\t}\n\treturn x * 2, nil\n}\n\n", i, i)
	}
	pq := contenttest.GeoParquet(2000, 100, true)
	for i := range 60 {
		name, body := fmt.Sprintf("f/%02d.md", i), []byte(md.String())
		switch i % 3 {
		case 1:
			name, body = fmt.Sprintf("f/%02d.go", i), []byte(code.String())
		case 2:
			name, body = fmt.Sprintf("f/%02d.parquet", i), pq
		}
		if _, err := s.mem.PutObject(context.Background(), acme, name, bytes.NewReader(body), int64(len(body))); err != nil {
			b.Fatal(err)
		}
	}
	h := newHarness(b, s, Options{StartAt: "acme/data/f/00.md", Content: content.New(s, content.Options{CacheEntries: 1})})
	h.send(tea.WindowSizeMsg{Width: 160, Height: 45})
	h.settle()
	if h.m.tree.sect == nil || h.m.tree.sect.lines == nil {
		b.Fatal("the first preview did not load")
	}
	msgs := make(chan tea.Msg, 1024)
	run := func() { // commands on goroutines, as tea.Program runs them
		for _, cmd := range h.queue {
			go func() { msgs <- cmd() }()
		}
		h.queue = h.queue[:0]
	}
	var lat []time.Duration
	previews := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		for drained := false; !drained; { // messages that came meanwhile
			select {
			case msg := <-msgs:
				if _, ok := msg.(contentMsg); ok {
					previews++
				}
				h.deliver(msg)
			default:
				drained = true
			}
		}
		run()
		k := "down"
		if (i/59)%2 == 1 {
			k = "up"
		}
		start := time.Now()
		h.send(keyMsg(k))
		_ = h.m.View()
		lat = append(lat, time.Since(start))
		run()
		time.Sleep(time.Duration(i%4) * 20 * time.Millisecond) // a person: sometimes fast, sometimes resting
	}
	b.StopTimer()
	slices.Sort(lat)
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	b.ReportMetric(float64(sum.Microseconds())/float64(len(lat))/1000, "mean-ms")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(previews), "previews-drawn")
}
