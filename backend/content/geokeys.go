package content

import (
	"math"
	"strings"
)

// GeoKey ids this package reads (GeoTIFF 1.1, OGC 19-008r4).
const (
	keyModelType      = 1024
	keyRasterType     = 1025
	keyCitation       = 1026
	keyGeographicType = 2048
	keyGeogCitation   = 2049
	keyProjectedType  = 3072
	keyPCSCitation    = 3073
	userDefined       = 32767
)

const maxGeoKeys = 256

// geoKey is one GeoKey's value: a number, or a string from GeoAsciiParams
// (values in GeoDoubleParams are not needed here).
type geoKey struct {
	num  uint64
	text string
}

// geoReference reads the GeoKeys and the model tags of the main image.
// nil when the file has neither (a plain TIFF).
func (t *tiffFile) geoReference(d ifd, width, height uint64) (*GeoReference, error) {
	keys, err := t.geoKeys(d)
	if err != nil {
		return nil, err
	}
	scale, err := t.floats(d, tagPixelScale, 3)
	if err != nil {
		return nil, err
	}
	tie, err := t.floats(d, tagTiepoint, 6)
	if err != nil {
		return nil, err
	}
	m, err := t.floats(d, tagTransformation, 16)
	if err != nil {
		return nil, err
	}
	if keys == nil && len(m) < 16 && (len(scale) < 2 || len(tie) < 6) {
		return nil, nil
	}
	g := &GeoReference{}
	switch keys[keyModelType].num {
	case 1:
		g.Model = "projected"
	case 2:
		g.Model = "geographic"
	case 3:
		g.Model = "geocentric"
	}
	g.PixelIsPoint = keys[keyRasterType].num == 2
	code := keys[keyProjectedType].num
	if code == 0 || code == userDefined {
		code = keys[keyGeographicType].num
	}
	if code != 0 && code != userDefined && code < 1<<31 {
		g.EPSG = int(code)
		g.CRS = EPSGName(g.EPSG)
	}
	if g.CRS == "" {
		for _, k := range []int{keyPCSCitation, keyCitation, keyGeogCitation} {
			if c := strings.TrimSpace(strings.TrimRight(keys[k].text, "|")); c != "" {
				g.CRS = c
				break
			}
		}
	}
	var ox, oy, sx, sy float64
	switch {
	case len(m) == 16:
		ox, oy, sx, sy = m[3], m[7], m[0], m[5]
	case len(scale) >= 2 && len(tie) >= 6:
		sx, sy = scale[0], -scale[1]
		ox, oy = tie[3]-tie[0]*sx, tie[4]-tie[1]*sy
	}
	if sx != 0 && finite(ox, oy, sx, sy) {
		g.PixelSize = []float64{sx, sy}
		g.Origin = []float64{ox, oy}
		x2, y2 := ox+float64(width)*sx, oy+float64(height)*sy
		g.Bounds = []float64{math.Min(ox, x2), math.Min(oy, y2), math.Max(ox, x2), math.Max(oy, y2)}
	}
	return g, nil
}

func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// geoKeys reads the GeoKeyDirectory: nil if the image has none.
func (t *tiffFile) geoKeys(d ifd) (map[int]geoKey, error) {
	dir, err := t.uints(d, tagGeoKeys, 4+4*maxGeoKeys)
	if err != nil || len(dir) < 4 {
		return nil, err
	}
	ascii, err := t.ascii(d, tagGeoASCII, 4096)
	if err != nil {
		return nil, err
	}
	n := int(min(dir[3], uint64(len(dir)-4)/4))
	keys := make(map[int]geoKey, n)
	for i := range n {
		k := dir[4+4*i : 8+4*i]
		id, loc, count, val := int(k[0]), k[1], k[2], k[3]
		switch loc {
		case 0:
			keys[id] = geoKey{num: val}
		case tagGeoASCII:
			if val < uint64(len(ascii)) {
				keys[id] = geoKey{text: ascii[val:min(uint64(len(ascii)), val+count)]}
			}
		}
	}
	return keys, nil
}
