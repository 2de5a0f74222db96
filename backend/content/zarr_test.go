package content_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/coopterm/coop/backend/content"
	"github.com/coopterm/coop/backend/content/contenttest"
)

func summarizeFolder(t *testing.T, f content.Folder, dir string) *content.Summary {
	t.Helper()
	s, err := content.SummarizeFolder(context.Background(), f, dir, 0)
	if err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	return s
}

func checkSST(t *testing.T, a content.ZarrArray) {
	t.Helper()
	if a.Name != "sst" || !slices.Equal(a.Shape, []int64{365, 720, 1440}) || !slices.Equal(a.Chunks, []int64{1, 720, 1440}) ||
		a.DType != "float32" || !slices.Equal(a.Codecs, []string{"blosc(zstd, level 5)"}) || a.FillValue != "NaN" {
		t.Errorf("sst = %+v", a)
	}
	if len(a.Attributes) != 2 || a.Attributes[1].Key != "units" || a.Attributes[1].Value != "K" {
		t.Errorf("sst attributes %+v", a.Attributes)
	}
}

func TestZarrV2(t *testing.T) {
	for _, consolidated := range []bool{true, false} {
		f := contenttest.ZarrV2(consolidated).Under("ocean/sst.zarr")
		s := summarizeFolder(t, f, "ocean/sst.zarr")
		z := s.Zarr
		if s.Format != content.FormatZarr || z.Version != 2 || z.Node != "group" || z.Consolidated != consolidated {
			t.Fatalf("consolidated %v: %+v", consolidated, z)
		}
		if len(z.Arrays) != 2 || len(z.Attributes) != 1 || z.Attributes[0].Value != "Sea surface temperature" {
			t.Fatalf("consolidated %v: arrays %+v attributes %+v", consolidated, z.Arrays, z.Attributes)
		}
		checkSST(t, z.Arrays[0])
		if tm := z.Arrays[1]; tm.Name != "time" || tm.DType != "int64" || !slices.Equal(tm.Codecs, []string{"zlib(level 1)"}) {
			t.Errorf("time = %+v", tm)
		}
		if consolidated && s.Requests != 2 {
			t.Errorf("%d requests; consolidated metadata is one listing and one read", s.Requests)
		}
	}
	// An array folder on its own.
	s := summarizeFolder(t, contenttest.ZarrV2(false), "sst")
	if z := s.Zarr; z.Node != "array" || z.Array == nil || z.Array.DType != "float32" || len(z.Array.Attributes) != 2 {
		t.Errorf("array folder: %+v", s.Zarr)
	}
}

func TestZarrV3(t *testing.T) {
	for _, consolidated := range []bool{true, false} {
		s := summarizeFolder(t, contenttest.ZarrV3(consolidated), "")
		z := s.Zarr
		if z.Version != 3 || z.Node != "group" || z.Consolidated != consolidated || len(z.Arrays) != 1 ||
			!slices.Equal(z.Groups, []string{"meta"}) {
			t.Fatalf("consolidated %v: %+v", consolidated, z)
		}
		a := z.Arrays[0]
		if a.Name != "dem" || a.DType != "int16" || !slices.Equal(a.Shape, []int64{10000, 10000}) ||
			!slices.Equal(a.Chunks, []int64{1000, 1000}) || a.FillValue != "-9999" ||
			!slices.Equal(a.Codecs, []string{"sharding(inner chunks 100×100: bytes(little), zstd(level 3))"}) ||
			!slices.Equal(a.Dimensions, []string{"y", "x"}) {
			t.Errorf("dem = %+v", a)
		}
	}
	s := summarizeFolder(t, contenttest.ZarrV3(false), "dem")
	if z := s.Zarr; z.Node != "array" || z.Array.Attributes[0] != (content.KeyValue{Key: "units", Value: "m"}) {
		t.Errorf("array folder: %+v", z)
	}
}

func TestNotZarr(t *testing.T) {
	f := contenttest.Files{"docs/a.md": []byte("# a"), "docs/b/c.txt": []byte("c")}
	s, err := content.SummarizeFolder(context.Background(), f, "docs", 0)
	if s != nil || err != nil {
		t.Errorf("a plain folder: %v, %v", s, err)
	}
}

func TestZarrFileAndBadMetadata(t *testing.T) {
	s := summarize(t, ".zarray", contenttest.ZarrV2(false)["sst/.zarray"])
	if s.Format != content.FormatZarr || s.Zarr.Array.DType != "float32" {
		t.Errorf(".zarray as a file: %+v", s.Zarr)
	}
	bad := contenttest.ZarrV3(false)
	bad["zarr.json"] = []byte(`{"zarr_format":3,"node_type":`)
	_, err := content.SummarizeFolder(context.Background(), bad, "", 0)
	if !errors.Is(err, content.ErrMalformed) {
		t.Errorf("truncated zarr.json: %v", err)
	}
	big := contenttest.ZarrV2(true)
	big[".zmetadata"] = make([]byte, 2<<20)
	_, err = content.SummarizeFolder(context.Background(), big, "", 0)
	if !errors.Is(err, content.ErrBudget) {
		t.Errorf(".zmetadata over the budget: %v", err)
	}
}
