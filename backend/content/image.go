package content

import (
	"fmt"
	"image"
	"image/color"
	"io"

	// The decoders image.DecodeConfig chooses from.
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/webp"
)

// imageChunk is how much a sequential read of an image header asks for
// at a time; the first is almost always enough.
const imageChunk = 64 << 10

// streamReader reads an object from the start through the preview's
// reader, a chunk at a time, within its budget.
// A failed read is kept in err, so that it is reported as it is and not
// as a malformed image.
type streamReader struct {
	r   *reader
	off int64
	err error
}

func (s *streamReader) Read(p []byte) (int, error) {
	if s.off >= s.r.size {
		return 0, io.EOF
	}
	b := s.r.heldFrom(s.off)
	if len(b) == 0 {
		if b, s.err = s.r.at(s.off, imageChunk); s.err != nil {
			return 0, s.err
		}
	}
	b = b[:min(len(b), len(p))]
	copy(p, b)
	s.off += int64(len(b))
	return len(b), nil
}

// readImage reads an image's dimensions and colour model with
// image.DecodeConfig, which reads the header and stops.
func readImage(r *reader, format Format) (*Summary, error) {
	sr := &streamReader{r: r}
	cfg, _, err := image.DecodeConfig(sr)
	if sr.err != nil {
		return nil, sr.err
	}
	if err != nil {
		return nil, fmt.Errorf("%w: not a valid %s image: %w", ErrMalformed, format, err)
	}
	return &Summary{Format: format, Size: r.size, Image: &Image{Width: cfg.Width, Height: cfg.Height, Color: colorName(cfg.ColorModel)}}, nil
}

// colorName names a colour model.
func colorName(m color.Model) string {
	switch m {
	case color.RGBAModel, color.NRGBAModel:
		return "RGBA, 8 bits"
	case color.RGBA64Model, color.NRGBA64Model:
		return "RGBA, 16 bits"
	case color.GrayModel:
		return "grayscale, 8 bits"
	case color.Gray16Model:
		return "grayscale, 16 bits"
	case color.YCbCrModel:
		return "YCbCr"
	case color.NYCbCrAModel:
		return "YCbCr with alpha"
	case color.CMYKModel:
		return "CMYK"
	case color.AlphaModel, color.Alpha16Model:
		return "alpha"
	}
	if p, ok := m.(color.Palette); ok {
		return fmt.Sprintf("palette of %d colours", len(p))
	}
	return "other"
}
