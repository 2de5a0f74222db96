package content

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// GeoParquet is a GeoParquet file's "geo" metadata.
type GeoParquet struct {
	Version       string      `json:"version"`
	PrimaryColumn string      `json:"primary_column"`
	Columns       []GeoColumn `json:"columns"`
}

// GeoColumn describes one geometry column.
type GeoColumn struct {
	Name          string   `json:"name"`
	Encoding      string   `json:"encoding"`
	GeometryTypes []string `json:"geometry_types"`
	// CRS is an identifier ("EPSG:32633", "OGC:CRS84"), else the CRS's
	// name, else "" when the file leaves it undefined (crs: null).
	CRS string `json:"crs"`
	// CRSName is the CRS's name as the PROJJSON gives it.
	CRSName string `json:"crs_name,omitempty"`
	// EPSG is the EPSG code, when the CRS has one.
	EPSG        int       `json:"epsg,omitempty"`
	BBox        []float64 `json:"bbox,omitempty"`
	Edges       string    `json:"edges,omitempty"`
	Orientation string    `json:"orientation,omitempty"`
	// Covering is set when the column has a bounding-box covering
	// column for faster spatial filtering (GeoParquet 1.1).
	Covering bool `json:"covering,omitempty"`
}

// defaultCRS is what GeoParquet means when a column has no crs key.
const defaultCRS = "OGC:CRS84"

type geoFile struct {
	Version       string                     `json:"version"`
	PrimaryColumn string                     `json:"primary_column"`
	Columns       map[string]json.RawMessage `json:"columns"`
}

type geoColumnJSON struct {
	Encoding      string          `json:"encoding"`
	GeometryTypes json.RawMessage `json:"geometry_types"`
	CRS           json.RawMessage `json:"crs"`
	BBox          []float64       `json:"bbox"`
	Edges         string          `json:"edges"`
	Orientation   string          `json:"orientation"`
	Covering      json.RawMessage `json:"covering"`
}

// parseGeo reads the "geo" metadata tolerantly: a column it cannot read
// is kept with what could be read, never dropped.
func parseGeo(raw []byte) (*GeoParquet, error) {
	var f geoFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("geo metadata is not valid JSON: %w", err)
	}
	g := &GeoParquet{Version: f.Version, PrimaryColumn: f.PrimaryColumn, Columns: []GeoColumn{}}
	names := make([]string, 0, len(f.Columns))
	for name := range f.Columns {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case a == f.PrimaryColumn:
			return -1
		case b == f.PrimaryColumn:
			return 1
		}
		return strings.Compare(a, b)
	})
	for _, name := range names {
		var c geoColumnJSON
		_ = json.Unmarshal(f.Columns[name], &c)
		col := GeoColumn{Name: name, Encoding: c.Encoding, BBox: c.BBox, Edges: c.Edges, Orientation: c.Orientation,
			Covering: len(c.Covering) > 0 && string(c.Covering) != "null", GeometryTypes: geometryTypes(c.GeometryTypes)}
		col.CRS, col.CRSName, col.EPSG = describeCRS(c.CRS)
		g.Columns = append(g.Columns, col)
	}
	return g, nil
}

// geometryTypes reads the list of geometry types; a single string is
// taken as a list of one (older writers).
func geometryTypes(raw json.RawMessage) []string {
	var list []string
	if json.Unmarshal(raw, &list) == nil && list != nil {
		return list
	}
	var one string
	if json.Unmarshal(raw, &one) == nil && one != "" {
		return []string{one}
	}
	return []string{}
}

// describeCRS reads a GeoParquet crs value: absent means OGC:CRS84, null
// means undefined, an object is PROJJSON (its id and name), and a string
// (older files) is taken as it is.
func describeCRS(raw json.RawMessage) (id, name string, epsg int) {
	if len(raw) == 0 {
		return defaultCRS, "WGS 84 (CRS84)", 0
	}
	if string(raw) == "null" {
		return "", "", 0
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, "", epsgOf(s)
	}
	var pj struct {
		Name string          `json:"name"`
		ID   json.RawMessage `json:"id"`
	}
	if json.Unmarshal(raw, &pj) != nil {
		return "", "", 0
	}
	var ident struct {
		Authority string          `json:"authority"`
		Code      json.RawMessage `json:"code"`
	}
	if json.Unmarshal(pj.ID, &ident) == nil && ident.Authority != "" {
		code := strings.Trim(string(ident.Code), `"`)
		id = ident.Authority + ":" + code
		return id, pj.Name, epsgOf(id)
	}
	return pj.Name, pj.Name, 0
}

// epsgOf returns n for "EPSG:n" (any case), else 0.
func epsgOf(id string) int {
	auth, code, ok := strings.Cut(id, ":")
	if !ok || !strings.EqualFold(auth, "EPSG") {
		return 0
	}
	n, err := strconv.Atoi(code)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}
