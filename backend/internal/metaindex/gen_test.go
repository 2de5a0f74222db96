package metaindex

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// genDoc writes a random document the way other tools might: entries in
// any order (or sorted), pretty or compact, fields coop does not know at
// every level, nested maps, nulls, numbers no float64 holds, odd times,
// entries coop cannot read, odd paths, and now and then a repeated path.
func genDoc(rng *rand.Rand, n int, sorted bool) []byte {
	paths := genPaths(rng, n)
	if sorted {
		slices.Sort(paths)
		paths = slices.Compact(paths)
	}
	var b strings.Builder
	pretty := rng.IntN(2) == 0
	nl := func() {
		if pretty {
			b.WriteString("\n  ")
		}
	}
	b.WriteString("{")
	fields := []string{
		`"repository_id": "r"`,
		`"x_top": {"nested": {"deeper": [1, null, "s", {"n": 123456789012345678901234567890}]}}`,
		`"x_null": null`,
		`"last_updated": ` + genTime(rng),
	}
	rng.Shuffle(len(fields), func(i, j int) { fields[i], fields[j] = fields[j], fields[i] })
	cut := rng.IntN(len(fields) + 1) // some fields after the objects
	for _, f := range fields[:cut] {
		nl()
		b.WriteString(f + ",")
	}
	nl()
	b.WriteString(`"objects": {`)
	for i, p := range paths {
		if i > 0 {
			b.WriteString(",")
		}
		nl()
		k, _ := json.Marshal(p)
		b.Write(k)
		b.WriteString(": ")
		b.WriteString(genEntry(rng, p))
	}
	b.WriteString("}")
	for _, f := range fields[cut:] {
		b.WriteString(",")
		nl()
		b.WriteString(f)
	}
	b.WriteString("\n}\n")
	return []byte(b.String())
}

func genPaths(rng *rand.Rand, n int) []string {
	segs := []string{"a", "a.b", "a0", "b", "data", "x y", "ü", "z", "A", "a-1", "日本", "q\"t", "back\\slash", "tab\tin"}
	var out []string
	for range n {
		depth := 1 + rng.IntN(4)
		parts := make([]string, depth)
		for i := range parts {
			parts[i] = segs[rng.IntN(len(segs))]
			if rng.IntN(3) == 0 {
				parts[i] += fmt.Sprint(rng.IntN(50))
			}
		}
		out = append(out, strings.Join(parts, "/"))
	}
	if n > 3 && rng.IntN(2) == 0 {
		out = append(out, out[rng.IntN(len(out))]) // a repeated key: the last wins
	}
	return out
}

func genTime(rng *rand.Rand) string {
	forms := []string{`"2024-01-15T10:00:00Z"`, `"2024-01-15T10:00:00.123456"`, `"2024-01-15"`, `1705312800`,
		`1705312800123`, `"2024-01-15 10:00:00+02:00"`, `null`, `"yesterday"`, `"2024-01-15T10:00:00.123456789+05:30"`}
	return forms[rng.IntN(len(forms))]
}

func genEntry(rng *rand.Rand, p string) string {
	switch rng.IntN(20) {
	case 0:
		return "42" // not an object
	case 1:
		return "null"
	case 2:
		return `{"id": "bad", "size": "a lot", "type": "file"}`
	}
	typ := "file"
	if rng.IntN(4) == 0 {
		typ = "directory"
	}
	fields := []string{
		fmt.Sprintf(`"id": %q`, "id-"+p),
		fmt.Sprintf(`"type": %q`, typ),
		fmt.Sprintf(`"size": %d`, rng.IntN(1<<40)),
		`"mime_type": "text/plain"`,
		`"created_at": ` + genTime(rng),
		`"updated_at": ` + genTime(rng),
		fmt.Sprintf(`"checksum": "sha256:%064x"`, rng.Uint64()),
		`"metadata": {"big": 98765432109876543210, "pi": 3.14159265358979323846264338327950288, "n": null, "l": [1, {"k": "v"}]}`,
		`"x_entry": {"etag": "\"abc\"", "list": [true, false, null, -0.0, 1e400]}`,
	}
	rng.Shuffle(len(fields), func(i, j int) { fields[i], fields[j] = fields[j], fields[i] })
	fields = fields[:3+rng.IntN(len(fields)-2)]
	return "{" + strings.Join(fields, ", ") + "}"
}
