package content

import "fmt"

// epsgNames names the coordinate systems most data on such a platform
// uses; EPSGName derives the UTM families.
var epsgNames = map[int]string{
	2056:  "CH1903+ / LV95",
	2154:  "RGF93 v1 / Lambert-93",
	3006:  "SWEREF99 TM",
	3031:  "WGS 84 / Antarctic Polar Stereographic",
	3035:  "ETRS89-extended / LAEA Europe",
	3395:  "WGS 84 / World Mercator",
	3413:  "WGS 84 / NSIDC Sea Ice Polar Stereographic North",
	3577:  "GDA94 / Australian Albers",
	3857:  "WGS 84 / Pseudo-Mercator",
	4258:  "ETRS89",
	4269:  "NAD83",
	4283:  "GDA94",
	4326:  "WGS 84",
	4490:  "China Geodetic Coordinate System 2000",
	4674:  "SIRGAS 2000",
	4979:  "WGS 84 (3D)",
	5070:  "NAD83 / Conus Albers",
	6933:  "WGS 84 / NSIDC EASE-Grid 2.0 Global",
	7844:  "GDA2020",
	27700: "OSGB36 / British National Grid",
	28992: "Amersfoort / RD New",
}

// EPSGName is the name of an EPSG coordinate system this package knows,
// else "EPSG:code".
func EPSGName(code int) string {
	if n, ok := epsgNames[code]; ok {
		return n
	}
	switch {
	case code >= 32601 && code <= 32660:
		return fmt.Sprintf("WGS 84 / UTM zone %dN", code-32600)
	case code >= 32701 && code <= 32760:
		return fmt.Sprintf("WGS 84 / UTM zone %dS", code-32700)
	case code >= 26901 && code <= 26923:
		return fmt.Sprintf("NAD83 / UTM zone %dN", code-26900)
	case code >= 25828 && code <= 25838:
		return fmt.Sprintf("ETRS89 / UTM zone %dN", code-25800)
	}
	return fmt.Sprintf("EPSG:%d", code)
}
