package content

import (
	"errors"
	"fmt"
)

// The Parquet library's thrift decoder trusts the sizes it reads: a list
// header claiming two billion elements makes it allocate them before
// finding out the input is five bytes long. checkThrift walks an encoded
// struct first, allocating nothing, and rejects any size the bytes that
// follow could not hold, so that what the decoder allocates afterwards is
// bounded by the input.

// Thrift compact-protocol type codes.
const (
	tBoolTrue = 1 + iota
	tBoolFalse
	tI8
	tI16
	tI32
	tI64
	tDouble
	tBinary
	tList
	tSet
	tMap
	tStruct
	tUUID
)

// thriftLimits bound a walk.
type thriftLimits struct {
	depth   int // deepest nesting of structs and containers
	structs int // struct values in all, the costly ones to decode
}

var errThrift = errors.New("thrift")

type thriftWalker struct {
	b       []byte
	pos     int
	structs int
	lim     thriftLimits
}

// checkThrift reports whether b holds exactly one well-formed
// compact-protocol struct within lim.
func checkThrift(b []byte, lim thriftLimits) error {
	w := &thriftWalker{b: b, lim: lim}
	if err := w.structValue(0); err != nil {
		return fmt.Errorf("%w at byte %d: %w", errThrift, w.pos, err)
	}
	if w.pos != len(b) {
		return fmt.Errorf("%w: %d bytes after the end of the footer", errThrift, len(b)-w.pos)
	}
	return nil
}

func (w *thriftWalker) left() int { return len(w.b) - w.pos }

func (w *thriftWalker) byte() (byte, error) {
	if w.pos >= len(w.b) {
		return 0, errors.New("unexpected end")
	}
	c := w.b[w.pos]
	w.pos++
	return c, nil
}

func (w *thriftWalker) skip(n int) error {
	if n < 0 || n > w.left() {
		return fmt.Errorf("%d bytes claimed, %d left", n, w.left())
	}
	w.pos += n
	return nil
}

// uvarint reads an unsigned LEB128 varint of at most 10 bytes.
func (w *thriftWalker) uvarint() (uint64, error) {
	var v uint64
	for shift := 0; shift < 70; shift += 7 {
		c, err := w.byte()
		if err != nil {
			return 0, err
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, nil
		}
	}
	return 0, errors.New("varint too long")
}

// size reads a container or binary size and checks that the bytes left
// can hold it, at minBytes per element.
func (w *thriftWalker) size(n uint64, minBytes int) (int, error) {
	if n > uint64(w.left()/minBytes) {
		return 0, fmt.Errorf("%d elements claimed, %d bytes left", n, w.left())
	}
	return int(n), nil
}

func (w *thriftWalker) structValue(depth int) error {
	if depth > w.lim.depth {
		return errors.New("nested too deeply")
	}
	if w.structs++; w.structs > w.lim.structs {
		return fmt.Errorf("more than %d structs", w.lim.structs)
	}
	for {
		h, err := w.byte()
		if err != nil {
			return err
		}
		if h == 0 {
			return nil
		}
		typ := h & 0x0f
		if h>>4 == 0 { // a field id of its own, as a zigzag varint
			if _, err := w.uvarint(); err != nil {
				return err
			}
		}
		if typ == tBoolTrue || typ == tBoolFalse { // the value is in the type
			continue
		}
		if err := w.value(typ, depth+1); err != nil {
			return err
		}
	}
}

func (w *thriftWalker) value(typ byte, depth int) error {
	switch typ {
	case tBoolTrue, tBoolFalse, tI8:
		return w.skip(1)
	case tI16, tI32, tI64:
		_, err := w.uvarint()
		return err
	case tDouble:
		return w.skip(8)
	case tUUID:
		return w.skip(16)
	case tBinary:
		n, err := w.uvarint()
		if err != nil {
			return err
		}
		size, err := w.size(n, 1)
		if err != nil {
			return err
		}
		return w.skip(size)
	case tList, tSet:
		return w.list(depth)
	case tMap:
		return w.mapValue(depth)
	case tStruct:
		return w.structValue(depth)
	}
	return fmt.Errorf("unknown type %d", typ)
}

func (w *thriftWalker) list(depth int) error {
	if depth > w.lim.depth {
		return errors.New("nested too deeply")
	}
	h, err := w.byte()
	if err != nil {
		return err
	}
	n, elem := uint64(h>>4), h&0x0f
	if n == 15 {
		if n, err = w.uvarint(); err != nil {
			return err
		}
	}
	count, err := w.size(n, 1)
	if err != nil {
		return err
	}
	for range count {
		if err := w.value(elem, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (w *thriftWalker) mapValue(depth int) error {
	if depth > w.lim.depth {
		return errors.New("nested too deeply")
	}
	n, err := w.uvarint()
	if err != nil || n == 0 {
		return err
	}
	count, err := w.size(n, 2)
	if err != nil {
		return err
	}
	kv, err := w.byte()
	if err != nil {
		return err
	}
	for range count {
		if err := w.value(kv>>4, depth+1); err != nil {
			return err
		}
		if err := w.value(kv&0x0f, depth+1); err != nil {
			return err
		}
	}
	return nil
}
