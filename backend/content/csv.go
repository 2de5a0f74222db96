package content

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
)

// MaxTableRows is the most data rows a table preview keeps.
const MaxTableRows = 100

// delimiters are the separators a table may use, in order of preference
// when two fit equally well.
var delimiters = []rune{',', '\t', ';', '|'}

// summarizeTable describes the first bytes of a CSV or TSV file: the
// delimiter, the header and the first rows.
func summarizeTable(format Format, head []byte, size int64) *Summary {
	if !isText(head) {
		return binarySummary(head, size)
	}
	truncated := int64(len(head)) < size
	if truncated {
		head = wholeLines(head)
	}
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	preferred := ','
	if format == FormatTSV {
		preferred = '\t'
	}
	delim := detectDelimiter(head, preferred)
	records, complete := readRecords(head, delim, MaxTableRows+1)
	t := &Table{Delimiter: string(delim), Truncated: truncated || !complete}
	for i, rec := range records {
		for j, f := range rec {
			rec[j] = cleanCell(f)
		}
		if i == 0 {
			t.Header = rec
		} else {
			t.Rows = append(t.Rows, rec)
		}
		t.Columns = max(t.Columns, len(rec))
	}
	if t.Rows == nil {
		t.Rows = [][]string{}
	}
	return &Summary{Format: format, Size: size, Table: t}
}

// readRecords parses up to limit records. complete is false when it
// stopped before the end of b: at the limit, or at a record the
// truncation of b cut short.
func readRecords(b []byte, delim rune, limit int) (records [][]string, complete bool) {
	r := csv.NewReader(bytes.NewReader(b))
	r.Comma, r.LazyQuotes, r.FieldsPerRecord, r.ReuseRecord = delim, true, -1, false
	for len(records) < limit {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return records, true
		}
		if err != nil {
			return records, false
		}
		records = append(records, rec)
	}
	_, err := r.Read()
	return records, errors.Is(err, io.EOF)
}

// detectDelimiter picks the separator that splits the first rows into
// the same number of fields (more than one) most often; preferred when
// none does better.
func detectDelimiter(b []byte, preferred rune) rune {
	best, bestScore := preferred, 0
	for _, d := range append([]rune{preferred}, delimiters...) {
		records, _ := readRecords(b, d, 20)
		if score := consistency(records); score > bestScore {
			best, bestScore = d, score
		}
	}
	return best
}

// consistency scores a delimiter by its records: how many rows have the
// most common field count, weighted by that count; rows of one field
// score nothing.
func consistency(records [][]string) int {
	counts := map[int]int{}
	for _, r := range records {
		counts[len(r)]++
	}
	score := 0
	for fields, rows := range counts {
		if fields > 1 {
			score = max(score, rows*1000+fields)
		}
	}
	return score
}

// cleanCell makes one field safe to print on one line.
func cleanCell(s string) string {
	c, _ := cleanText([]byte(s))
	if strings.Contains(c, "\n") {
		c = strings.ReplaceAll(c, "\n", `\n`)
	}
	return c
}
