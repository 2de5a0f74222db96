package themes

import (
	"image/color"
	"math"
)

// Minimum contrast ratios (WCAG 2.x): text in the high-contrast theme
// meets the enhanced level (1.4.6, 7:1), text in the others the minimum
// level (1.4.3, 4.5:1); lines that are not text (borders, separators)
// need 3:1 (1.4.11).
const (
	MinTextContrast     = 4.5
	MinHighContrastText = 7.0
	MinLineContrast     = 3.0
)

// Contrast is the WCAG contrast ratio of two colours, from 1 (the same)
// to 21 (black and white); the order does not matter.
func Contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// luminance is the relative luminance of c (WCAG 2.x, sRGB).
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// MinContrast is the contrast ratio t's text must reach.
func (t Theme) MinContrast() float64 {
	if t.Name == "high-contrast" {
		return MinHighContrastText
	}
	return MinTextContrast
}
