package avc

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"lectern"
)

// MaxSMILSize bounds the SMIL file, read whole before it is parsed. A
// recorder's is a few kilobytes; 4 MiB holds some 50,000 slides.
const MaxSMILSize = 4 << 20

// Presentation is what a SMIL file describes.
type Presentation struct {
	// Title is the first <meta name="title" content> (or "dc:title",
	// "DC.title") of the file, else the text of <head><title>, spaces
	// collapsed; "" when it has neither. Recorders may write a constant
	// here (AudioVideoCours writes "MediaCours").
	Title string
	// Date is the first <meta name="date" content> (or "dc:date",
	// "DC.date", "dcterms.created", "created"), as written: recorders
	// differ in their formats; "" when absent.
	Date string
	// Media is the recording: the first non-empty <audio src>, else the
	// first non-empty <video src>. ParseSMIL leaves it as written, relative
	// to the SMIL's folder; Archive.Presentation gives the entry's name.
	Media string
	// Audio is true when Media came from an <audio> element.
	Audio bool
	// Slides are the <img> elements, in SMIL order (lectern.NewSlides
	// orders them).
	Slides []Slide
}

// Slide is one <img> of the SMIL.
type Slide struct {
	Image string        // src: as written, or the entry's name (Archive.Presentation)
	Begin time.Duration // begin (ParseClock); 0 when absent
}

// ParseSMIL reads a SMIL file of at most MaxSMILSize bytes and returns the
// presentation it describes, its paths as written. A file that is too
// large, not well-formed XML, in a character encoding other than UTF-8,
// US-ASCII, ISO-8859-1 or Windows-1252, declaring an entity, naming no
// media, with an <img> without src or with a begin ParseClock refuses is
// an EINVALID *lectern.Error. An error reading r is returned wrapped.
func ParseSMIL(r io.Reader) (*Presentation, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSMILSize+1))
	if err != nil {
		return nil, fmt.Errorf("parse SMIL: read: %w", err)
	}
	return parseSMIL("parse SMIL", "The SMIL file", data)
}

// parseSMIL parses data; op and what (the file, as messages name it:
// "The SMIL file" or `The SMIL file "a/cours.smil"`) are for errors.
func parseSMIL(op, what string, data []byte) (*Presentation, error) {
	invalid := func(format string, args ...any) error {
		return &lectern.Error{Op: op, Code: lectern.EINVALID, Message: what + " " + fmt.Sprintf(format, args...)}
	}
	if len(data) > MaxSMILSize {
		return nil, invalid("is larger than %d MiB", MaxSMILSize>>20)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = charsetReader
	d.Entity = xml.HTMLEntity // &eacute; and the like: predefined, no expansion
	var (
		p            Presentation
		audio, video string
		stack        []string // local names of the open elements
		title        strings.Builder
		inTitle      bool
		headTitle    string
		images       int
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var charset *charsetError
			if errors.As(err, &charset) {
				return nil, invalid("is written in %q, which Lectern does not read (UTF-8, ISO-8859-1 or Windows-1252)", charset.label)
			}
			return nil, invalid("is not well-formed XML: %s", strings.TrimPrefix(err.Error(), "XML syntax error "))
		}
		switch t := tok.(type) {
		case xml.Directive:
			if bytes.Contains(bytes.ToUpper(t), []byte("ENTITY")) {
				return nil, invalid("declares an XML entity (<!ENTITY>): refused, entities can expand without bound or read other files")
			}
		case xml.StartElement:
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			stack = append(stack, t.Name.Local)
			switch t.Name.Local {
			case "audio":
				if src := strings.TrimSpace(attr(t, "src")); audio == "" {
					audio = src
				}
			case "video":
				if src := strings.TrimSpace(attr(t, "src")); video == "" {
					video = src
				}
			case "img":
				images++
				src := strings.TrimSpace(attr(t, "src"))
				if src == "" {
					return nil, invalid("has an <img> (number %d) without src", images)
				}
				var begin time.Duration
				if b := attr(t, "begin"); strings.TrimSpace(b) != "" {
					if begin, err = ParseClock(b); err != nil {
						return nil, invalid("gives slide %d (%q) a begin that is not a time: %s", images, src, lectern.ErrorMessage(err))
					}
				}
				p.Slides = append(p.Slides, Slide{Image: src, Begin: begin})
			case "meta":
				name, content := strings.ToLower(strings.TrimSpace(attr(t, "name"))), collapse(attr(t, "content"))
				switch name {
				case "title", "dc:title", "dc.title":
					if p.Title == "" {
						p.Title = content
					}
				case "date", "dc:date", "dc.date", "dcterms.created", "created":
					if p.Date == "" {
						p.Date = content
					}
				}
			case "title":
				inTitle = parent == "head" && headTitle == ""
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			if inTitle && t.Name.Local == "title" {
				headTitle, inTitle = collapse(title.String()), false
				title.Reset()
			}
		case xml.CharData:
			if inTitle && title.Len() < 4096 {
				title.Write(t)
			}
		}
	}
	if p.Title == "" {
		p.Title = headTitle
	}
	switch {
	case audio != "":
		p.Media, p.Audio = audio, true
	case video != "":
		p.Media = video
	default:
		return nil, invalid("names no media: it has no <audio src> or <video src>")
	}
	return &p, nil
}

// attr returns the value of t's attribute with that local name, one
// without a namespace first.
func attr(t xml.StartElement, local string) string {
	var v string
	found := false
	for _, a := range t.Attr {
		if a.Name.Local != local {
			continue
		}
		if a.Name.Space == "" {
			return a.Value
		}
		if !found {
			v, found = a.Value, true
		}
	}
	return v
}

// collapse trims s and turns each run of spaces into one.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
