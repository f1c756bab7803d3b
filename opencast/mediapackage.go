package opencast

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"lectern"
)

// MediaPackageNS is the namespace Opencast writes its media packages in.
const MediaPackageNS = "http://mediapackage.opencastproject.org"

// Limits of what an agent sends besides its media files.
const (
	// MaxXMLSize bounds a media package or Dublin Core field: a media
	// package lists a handful of elements, a catalog a few dozen terms.
	MaxXMLSize = 1 << 20
	// MaxFieldSize bounds every other form field (flavor, workflow
	// settings).
	MaxFieldSize = 4 << 10
	// MaxFields bounds the form fields of one request (workflow settings
	// included).
	MaxFields = 200
	// MaxElements bounds the elements of one media package.
	MaxElements = 100
	// MaxSmallFile bounds a catalog or attachment sent as a file.
	MaxSmallFile = 16 << 20
)

// Element kinds of a media package.
const (
	kindTrack      = "track"
	kindCatalog    = "catalog"
	kindAttachment = "attachment"
)

// xmlPackage is a media package as agents send it (any namespace prefix:
// the Extron SMP writes ns2:mediapackage).
type xmlPackage struct {
	XMLName     xml.Name     `xml:"mediapackage"`
	ID          string       `xml:"id,attr"`
	Start       string       `xml:"start,attr"`
	Tracks      []xmlElement `xml:"media>track"`
	Catalogs    []xmlElement `xml:"metadata>catalog"`
	Attachments []xmlElement `xml:"attachments>attachment"`
}

// xmlElement is a track, catalog or attachment of an agent's media
// package. Only its id (an element this server stored) and, in a ZIP's
// manifest, its flavor and url (an entry's name) are used.
type xmlElement struct {
	ID       string `xml:"id,attr"`
	Type     string `xml:"type,attr"`
	MimeType string `xml:"mimetype"`
	URL      string `xml:"url"`
}

// elementIDs returns the ids of every element the package lists.
func (p *xmlPackage) elementIDs() map[string]bool {
	ids := map[string]bool{}
	for _, list := range [][]xmlElement{p.Tracks, p.Catalogs, p.Attachments} {
		for _, e := range list {
			ids[e.ID] = true
		}
	}
	return ids
}

// errXML is the error of an XML document refused before or while parsing.
var errXML = errors.New("invalid XML")

// decodeXML parses data into v with encoding/xml, refusing any document
// type declaration (<!DOCTYPE ...>, <!ENTITY ...>): encoding/xml expands
// no entity but the five predefined ones, but a declaration has no
// business in what agents send, so the billion laughs and external
// entities are refused outright rather than left undefined.
func decodeXML(data []byte, v any) error {
	if len(data) > MaxXMLSize {
		return fmt.Errorf("%w: larger than %d bytes", errXML, MaxXMLSize)
	}
	if !utf8.Valid(data) {
		return fmt.Errorf("%w: not UTF-8", errXML)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		} else if err != nil {
			return fmt.Errorf("%w: %v", errXML, err)
		}
		if _, ok := tok.(xml.Directive); ok {
			return fmt.Errorf("%w: document type declarations and entities are refused", errXML)
		}
	}
	if err := xml.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%w: %v", errXML, err)
	}
	return nil
}

// idRE is what a media package or element id may be: a UUID or a like
// token (an event UID made by an import), one safe path segment.
var idRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$`)

// ValidID reports whether id may name a media package.
func ValidID(id string) bool { return idRE.MatchString(id) }

// parsePackage parses and checks an agent's media package.
func parsePackage(data []byte) (*xmlPackage, error) {
	var p xmlPackage
	if err := decodeXML(data, &p); err != nil {
		return nil, invalid("The media package is not valid XML: %v.", err)
	}
	if !ValidID(p.ID) {
		return nil, invalid("The media package id %.80q is not valid: a UUID is expected.", p.ID)
	}
	if n := len(p.Tracks) + len(p.Catalogs) + len(p.Attachments); n > MaxElements {
		return nil, invalid("The media package lists %d elements, more than %d.", n, MaxElements)
	}
	return &p, nil
}

// flavorRE is what a flavor may be: type/subtype, short tokens.
var flavorRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}/[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$`)

// parseFlavor checks an agent's flavor.
func parseFlavor(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !flavorRE.MatchString(s) {
		return "", invalid("The flavor %.80q is not valid: type/subtype is expected (presenter/source).", s)
	}
	return s, nil
}

// partFlavor maps a track's flavor to a deposit part's: presenter/source,
// or presentation/source, with the position its "-N" suffix gives (the
// Extron SMP splits a recording into presenter/source-1, -2…; 0 when
// there is none). ok is false for any other flavor (a preview, a
// composite): the track is kept in the package but is no part.
func partFlavor(flavor string) (part string, n int, ok bool) {
	typ, sub, _ := strings.Cut(strings.ToLower(flavor), "/")
	switch typ {
	case "presenter":
		part = lectern.FlavorPresenter
	case "presentation":
		part = lectern.FlavorPresentation
	default:
		return "", 0, false
	}
	if sub == "source" {
		return part, 0, true
	}
	if rest, found := strings.CutPrefix(sub, "source-"); found {
		if n, err := strconv.Atoi(rest); err == nil && n > 0 && n < 10000 {
			return part, n, true
		}
	}
	return "", 0, false
}

// outPackage is a media package as Opencast writes it, answered after
// every call so that the agent sends it back on the next.
type outPackage struct {
	XMLName     xml.Name `xml:"mediapackage"`
	NS          string   `xml:"xmlns,attr"`
	ID          string   `xml:"id,attr"`
	Start       string   `xml:"start,attr"`
	Title       string   `xml:"title,omitempty"`
	Media       outList  `xml:"media"`
	Metadata    outList  `xml:"metadata"`
	Attachments outList  `xml:"attachments"`
	Pubs        struct{} `xml:"publications"`
}

type outList struct {
	Elements []outElement
}

type outElement struct {
	XMLName  xml.Name
	ID       string    `xml:"id,attr"`
	Type     string    `xml:"type,attr"`
	MimeType string    `xml:"mimetype,omitempty"`
	Tags     outTags   `xml:"tags"`
	URL      string    `xml:"url"`
	Size     int64     `xml:"size,omitempty"`
	Live     *liveFlag `xml:"live,omitempty"`
}

type outTags struct {
	Tags []string `xml:"tag"`
}

type liveFlag struct {
	Value bool `xml:",chardata"`
}

// render writes the package's XML as Opencast answers it: the XML
// declaration, then the media package in its namespace with media,
// metadata, attachments and publications, each element's url under
// baseURL's /files/mediapackage/.
func (s *packageState) render(baseURL string) []byte {
	out := outPackage{NS: MediaPackageNS, ID: s.ID, Start: s.Start.UTC().Format(time.RFC3339), Title: s.Title}
	base := strings.TrimSuffix(baseURL, "/") + "/files/mediapackage/" + s.ID + "/"
	for _, e := range s.Elements {
		oe := outElement{XMLName: xml.Name{Local: e.Kind}, ID: e.ID, Type: e.Flavor, MimeType: e.MimeType,
			Tags: outTags{Tags: e.Tags}, URL: base + e.ID + "/" + e.File, Size: e.Size}
		switch e.Kind {
		case kindTrack:
			oe.Live = &liveFlag{}
			out.Media.Elements = append(out.Media.Elements, oe)
		case kindCatalog:
			out.Metadata.Elements = append(out.Metadata.Elements, oe)
		default:
			out.Attachments.Elements = append(out.Attachments.Elements, oe)
		}
	}
	b, err := xml.Marshal(out)
	if err != nil { // plain structs of strings: cannot fail
		panic(err)
	}
	return append([]byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`), b...)
}

// dcCatalog is the part of a Dublin Core catalog Lectern keeps: its
// title (the recording's title) and identifier.
type dcCatalog struct {
	Title      string `xml:"title"`
	Identifier string `xml:"identifier"`
}

// parseDublinCore checks a Dublin Core catalog and returns its title and
// identifier.
func parseDublinCore(data []byte) (*dcCatalog, error) {
	var dc dcCatalog
	if err := decodeXML(data, &dc); err != nil {
		return nil, invalid("The Dublin Core catalog is not valid XML: %v.", err)
	}
	dc.Title = strings.TrimSpace(dc.Title)
	if utf8.RuneCountInString(dc.Title) > lectern.EventTitleMax {
		dc.Title = string([]rune(dc.Title)[:lectern.EventTitleMax])
	}
	dc.Identifier = strings.TrimSpace(dc.Identifier)
	return &dc, nil
}

// invalid is a 400 with its message.
func invalid(format string, args ...any) error {
	return lectern.Errorf(lectern.EINVALID, format, args...)
}
