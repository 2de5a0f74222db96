// Command genmeta writes a .source-metadata.json of N file entries, for
// the metadata benchmark (scripts/bench-metadata.sh): FILES files per
// folder under data/part-NNNNN/, each entry as coop writes them, about
// 315 bytes, in byte order of paths unless -shuffle. With -objects DIR it
// also makes each file, empty, under DIR, so that the entries describe
// the objects exactly (a repository repair then finds nothing to fix).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
)

func main() {
	n := flag.Int("n", 1000000, "file entries")
	perFolder := flag.Int("files", 1000, "files per folder")
	account := flag.String("account", "bench", "account id")
	repo := flag.String("repo", "big", "repository id")
	shuffle := flag.Bool("shuffle", false, "write the entries in random order, as other tools may")
	objects := flag.String("objects", "", "also make each file, empty, under this folder")
	out := flag.String("o", "-", "output file")
	flag.Parse()
	if err := run(*n, *perFolder, *account, *repo, *shuffle, *objects, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genmeta:", err)
		os.Exit(1)
	}
}

const (
	stamp = "2026-01-15T10:00:00Z"
	// The SHA-256 and CRC-32C of no bytes: objects made by -objects are empty.
	emptySHA = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	emptyCRC = "00000000"
)

func run(n, perFolder int, account, repo string, shuffle bool, objects, out string) error {
	w := os.Stdout
	if out != "-" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	folders := (n + perFolder - 1) / perFolder
	type item struct{ folder, file int } // file -1: the folder's own entry
	order := make([]item, 0, n+folders)
	for d := range folders {
		order = append(order, item{d, -1})
		for i := range min(perFolder, n-d*perFolder) {
			order = append(order, item{d, d*perFolder + i})
		}
	}
	order = append(order, item{-1, -1}) // data/
	if shuffle {
		rng := rand.New(rand.NewPCG(1, 2))
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	} else {
		slices.SortFunc(order, func(a, b item) int { return cmpPath(pathOf(a.folder, a.file), pathOf(b.folder, b.file)) })
	}
	fmt.Fprintf(bw, `{"repository_id":%q,"account_id":%q,"last_updated":%q,"objects":{`, repo, account, stamp)
	for i, it := range order {
		if i > 0 {
			_ = bw.WriteByte(',') // a write error sticks: Flush reports it
		}
		_ = bw.WriteByte('\n')
		p := pathOf(it.folder, it.file)
		if it.file < 0 {
			fmt.Fprintf(bw, `%q:{"id":"dir-%d","type":"directory","size":0,"mime_type":"","created_at":%q,"updated_at":%q,"checksum":"","metadata":{}}`,
				p, it.folder, stamp, stamp)
			continue
		}
		fmt.Fprintf(bw, `%q:{"id":"0190f5e2-%04x-7%03x-8%03x-%012x","type":"file","size":0,"mime_type":"application/octet-stream","created_at":%q,"updated_at":%q,"checksum":%q,"crc32c":%q,"metadata":{"station":"st-%d","seq":%d}}`,
			p, it.file>>16&0xffff, it.file>>4&0xfff, it.file&0xfff, it.file, stamp, stamp, emptySHA, emptyCRC, it.file%97, it.file)
		if objects != "" {
			if err := touch(filepath.Join(objects, filepath.FromSlash(p))); err != nil {
				return err
			}
		}
	}
	_, _ = bw.WriteString("\n}}\n")
	return bw.Flush()
}

func pathOf(folder, file int) string {
	switch {
	case folder < 0:
		return "data"
	case file < 0:
		return fmt.Sprintf("data/part-%05d", folder)
	}
	return fmt.Sprintf("data/part-%05d/file-%08d.bin", folder, file)
}

func cmpPath(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func touch(p string) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}
