package avc

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Recorders running on Windows may declare their SMIL in ISO-8859-1 or
// Windows-1252 (a title with accents); encoding/xml reads UTF-8 only and
// asks for a CharsetReader for anything else.

// charsetError is a declared encoding that charsetReader does not know.
type charsetError struct{ label string }

func (e *charsetError) Error() string { return fmt.Sprintf("unsupported encoding %q", e.label) }

// charsetReader converts the rest of a SMIL file (already bounded by
// MaxSMILSize) from the declared encoding to UTF-8.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	var high *[32]rune // 0x80 to 0x9F
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return r, nil
	case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1":
	case "windows-1252", "cp1252", "x-cp1252":
		high = &cp1252
	default:
		return nil, &charsetError{label}
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.Grow(len(data) + len(data)/4)
	for _, c := range data {
		switch {
		case c < utf8.RuneSelf:
			b.WriteByte(c)
		case high != nil && c < 0xA0:
			b.WriteRune(high[c-0x80])
		default:
			b.WriteRune(rune(c))
		}
	}
	return strings.NewReader(b.String()), nil
}

// cp1252 maps Windows-1252's 0x80 to 0x9F; the five unassigned bytes
// stay the C1 controls of the same value, as browsers do.
var cp1252 = [32]rune{
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
}
