package contenttest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/parquet-go/parquet-go"
)

// Place is one row of the GeoParquet fixture: a point with attributes, a
// list and a nested struct, to exercise every kind of schema node.
type Place struct {
	ID       int64    `parquet:"id"`
	Name     string   `parquet:"name,optional"`
	Tags     []string `parquet:"tags,list"`
	Observed int64    `parquet:"observed,timestamp(millisecond:utc)"`
	Source   struct {
		Agency string  `parquet:"agency"`
		Score  float64 `parquet:"score,optional"`
	} `parquet:"source"`
	Geometry []byte `parquet:"geometry"`
}

// GeoMetadata is the "geo" key-value metadata the fixture carries: one
// geometry column of points in EPSG:4326, with a bounding box.
const GeoMetadata = `{"version":"1.1.0","primary_column":"geometry","columns":{"geometry":{` +
	`"encoding":"WKB","geometry_types":["Point"],` +
	`"crs":{"$schema":"https://proj.org/schemas/v0.7/projjson.schema.json","type":"GeographicCRS","name":"WGS 84",` +
	`"id":{"authority":"EPSG","code":4326}},"bbox":[-10,40,10,50]}}}`

// WKBPoint encodes a point as little-endian WKB.
func WKBPoint(x, y float64) []byte {
	b := make([]byte, 21)
	b[0] = 1
	binary.LittleEndian.PutUint32(b[1:], 1)
	binary.LittleEndian.PutUint64(b[5:], math.Float64bits(x))
	binary.LittleEndian.PutUint64(b[13:], math.Float64bits(y))
	return b
}

// GeoParquet writes rows places (zstd, rowGroup rows per row group) with
// the GeoParquet metadata; geo false leaves the "geo" key out. extra
// options are added to the writer's.
func GeoParquet(rows, rowGroup int, geo bool, extra ...parquet.WriterOption) []byte {
	var buf bytes.Buffer
	opts := []parquet.WriterOption{
		parquet.Compression(&parquet.Zstd), parquet.MaxRowsPerRowGroup(int64(rowGroup)),
		parquet.KeyValueMetadata("writer", "contenttest"),
	}
	if geo {
		opts = append(opts, parquet.KeyValueMetadata("geo", GeoMetadata))
	}
	w := parquet.NewGenericWriter[Place](&buf, append(opts, extra...)...)
	batch := make([]Place, 0, 256)
	for i := range rows {
		p := Place{ID: int64(i), Name: fmt.Sprintf("place %d", i), Tags: []string{"a", "b"}, Observed: int64(i) * 1000,
			Geometry: WKBPoint(float64(i%20)-10, 40+float64(i%10))}
		p.Source.Agency, p.Source.Score = "survey", float64(i)/10
		batch = append(batch, p)
		if len(batch) == cap(batch) || i == rows-1 {
			if _, err := w.Write(batch); err != nil {
				panic(err)
			}
			batch = batch[:0]
		}
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// Blob is one row of LargeParquet: an incompressible payload among the
// kind of columns a real table has.
type Blob struct {
	ID       int64   `parquet:"id"`
	Station  string  `parquet:"station,dict"`
	Observed int64   `parquet:"observed,timestamp(millisecond:utc)"`
	Temp     float64 `parquet:"temp,optional"`
	Rain     float64 `parquet:"rain,optional"`
	Wind     float32 `parquet:"wind,optional"`
	Quality  int32   `parquet:"quality"`
	Flags    []int32 `parquet:"flags,list"`
	Note     string  `parquet:"note,optional"`
	Payload  []byte  `parquet:"payload"`
	Geom     []byte  `parquet:"geometry"`
}

// LargeParquet writes about size bytes of GeoParquet to w: rows of 4 KiB
// random payloads and ten other columns, uncompressed, in row groups of
// 16,384 rows (64 MiB), so that a gigabyte has the footer of a real
// gigabyte file (sixteen row groups of eleven columns, with statistics).
func LargeParquet(w io.Writer, size int64) error {
	const payload = 4 << 10
	pw := parquet.NewGenericWriter[Blob](w, parquet.MaxRowsPerRowGroup(16384),
		parquet.KeyValueMetadata("geo", GeoMetadata))
	rng := rand.NewChaCha8([32]byte{1})
	rows := size / (payload + 80)
	batch := make([]Blob, 0, 512)
	for i := range rows {
		b := Blob{ID: i, Station: fmt.Sprintf("st-%03d", i%97), Observed: i * 60000, Temp: float64(i%400) / 10,
			Rain: float64(i%13) / 4, Wind: float32(i % 30), Quality: int32(i % 3), Flags: []int32{int32(i % 5)},
			Payload: make([]byte, payload), Geom: WKBPoint(float64(i%360)-180, float64(i%180)-90)}
		_, _ = rng.Read(b.Payload)
		batch = append(batch, b)
		if len(batch) == cap(batch) || i == rows-1 {
			if _, err := pw.Write(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return pw.Close()
}
