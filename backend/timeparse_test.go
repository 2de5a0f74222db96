package backend

import (
	"errors"
	"testing"
	"time"
)

func TestParseTimeAcceptsWhatOtherToolsWrite(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	cases := []struct {
		in   string
		want time.Time
	}{
		{"2024-01-15T10:00:00Z", utc(2024, 1, 15, 10, 0, 0, 0)},
		{"2024-01-15T10:00:00.123456", utc(2024, 1, 15, 10, 0, 0, 123456000)},
		{"2024-01-15T10:00:00.123456789123", utc(2024, 1, 15, 10, 0, 0, 123456789)},
		{"2024-01-15T10:00:00", utc(2024, 1, 15, 10, 0, 0, 0)},
		{"2024-01-15 10:00:00", utc(2024, 1, 15, 10, 0, 0, 0)},
		{"2024-01-15 10:00:00.5+00:00", utc(2024, 1, 15, 10, 0, 0, 500000000)},
		{"2024-01-15T12:00:00+02:00", utc(2024, 1, 15, 10, 0, 0, 0)},
		{"2024-01-15T12:00:00+0200", utc(2024, 1, 15, 10, 0, 0, 0)},
		{"2024-01-15T12:00:00+02", utc(2024, 1, 15, 10, 0, 0, 0)},
		{"2024-01-15t10:00:00z", utc(2024, 1, 15, 10, 0, 0, 0)},
		{"2024-01-15T10:00", utc(2024, 1, 15, 10, 0, 0, 0)},
		{"2024-01-15T10:00:00,25Z", utc(2024, 1, 15, 10, 0, 0, 250000000)},
		{"2024-01-15", utc(2024, 1, 15, 0, 0, 0, 0)},
		{"20240115", utc(2024, 1, 15, 0, 0, 0, 0)},
		{"20240115T100000Z", utc(2024, 1, 15, 10, 0, 0, 0)},
		{"2024-01-15 10:00:00 UTC", utc(2024, 1, 15, 10, 0, 0, 0)},
		{" 2024-01-15T10:00:00Z ", utc(2024, 1, 15, 10, 0, 0, 0)},
		{"1705312800", utc(2024, 1, 15, 10, 0, 0, 0)},
		{"1705312800.5", utc(2024, 1, 15, 10, 0, 0, 500000000)},
		{"1705312800000", utc(2024, 1, 15, 10, 0, 0, 0)},
		{"1705312800123", utc(2024, 1, 15, 10, 0, 0, 123000000)},
		{"1705312800123.5", utc(2024, 1, 15, 10, 0, 0, 123500000)},
		{"1705312800.123456789", utc(2024, 1, 15, 10, 0, 0, 123456789)},
		{"0", utc(1970, 1, 1, 0, 0, 0, 0)},
	}
	for _, c := range cases {
		got, err := ParseTime(c.in)
		if err != nil {
			t.Errorf("ParseTime(%q): %v", c.in, err)
			continue
		}
		if !got.Equal(c.want) || got.Location() != time.UTC {
			t.Errorf("ParseTime(%q) = %v, want %v in UTC", c.in, got, c.want)
		}
	}
}

func TestParseTimeRefusesWhatIsNoTime(t *testing.T) {
	for _, in := range []string{"", "  ", "yesterday", "2024-13-01", "2024-01-15T25:00:00", "NaN", "Inf", "1e300", "2024-01-15T10:00:00+99:00x"} {
		if got, err := ParseTime(in); err == nil {
			t.Errorf("ParseTime(%q) = %v, want an error", in, got)
		} else if !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseTime(%q): %v, want ErrInvalid", in, err)
		}
	}
}

func TestParseTimeJSON(t *testing.T) {
	want := time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC)
	for _, in := range []string{`"2024-01-15T10:00:00"`, `1705312800`, `1705312800000`, `1.7053128e9`, ` "2024-01-15T10:00:00Z" `, `"1705312800"`} {
		got, err := ParseTimeJSON([]byte(in))
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTimeJSON(%s) = %v, %v; want %v", in, got, err, want)
		}
	}
	if got, err := ParseTimeJSON([]byte(`1705312800123`)); err != nil || got.Nanosecond() != 123000000 {
		t.Errorf("ParseTimeJSON(epoch milliseconds) = %v, %v; want exactly .123", got, err)
	}
	for _, in := range []string{`null`, `""`} {
		got, err := ParseTimeJSON([]byte(in))
		if err != nil || !got.IsZero() {
			t.Errorf("ParseTimeJSON(%s) = %v, %v; want the zero time", in, got, err)
		}
	}
	for _, in := range []string{`true`, `{}`, `[1]`, `"x"`, `"unterminated`} {
		if got, err := ParseTimeJSON([]byte(in)); err == nil {
			t.Errorf("ParseTimeJSON(%s) = %v, want an error", in, got)
		}
	}
}

func TestFormatTimeRoundTrips(t *testing.T) {
	in := time.Date(2024, 1, 15, 12, 0, 0, 123000000, time.FixedZone("x", 7200))
	s := FormatTime(in)
	if s != "2024-01-15T10:00:00.123Z" {
		t.Fatalf("FormatTime = %q", s)
	}
	back, err := ParseTime(s)
	if err != nil || !back.Equal(in) {
		t.Fatalf("ParseTime(FormatTime(t)) = %v, %v", back, err)
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2024-01-15T10:00:00.123456", "2024-01-15", "1705312800", "20240115T100000Z", "2024-01-15 10:00:00 UTC", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime(s)
		if err != nil {
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("ParseTime(%q) not in UTC: %v", s, got)
		}
		back, err := ParseTime(FormatTime(got))
		if err != nil || !back.Equal(got) {
			t.Fatalf("ParseTime(%q) = %v does not round-trip: %v, %v", s, got, back, err)
		}
	})
}
