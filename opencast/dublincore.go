package opencast

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"time"

	"lectern"
)

// Opencast's Dublin Core catalogs: the namespace pyCA looks for to know
// an attachment is one (it then sends it back with its ingest).
const (
	nsOpencastDC = "http://www.opencastproject.org/xsd/1.0/dublincore/"
	nsDCTerms    = "http://purl.org/dc/terms/"
	nsXSI        = "http://www.w3.org/2001/XMLSchema-instance"
)

// dcField is one dcterms element of a catalog; empty values are left
// out.
type dcField struct {
	name, value string
	attr        []xml.Attr
}

// dublinCore writes a catalog as Opencast does (its namespaces, the
// dcterms: prefix, one element per line) with encoding/xml, which
// escapes every value: a title cannot add an element.
func dublinCore(fields []dcField) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="no"?>` + "\n")
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	root := xml.StartElement{Name: xml.Name{Local: "dublincore"}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "xmlns"}, Value: nsOpencastDC},
		{Name: xml.Name{Local: "xmlns:dcterms"}, Value: nsDCTerms},
		{Name: xml.Name{Local: "xmlns:xsi"}, Value: nsXSI},
	}}
	_ = enc.EncodeToken(root)
	for _, f := range fields {
		if f.value == "" {
			continue
		}
		el := xml.StartElement{Name: xml.Name{Local: "dcterms:" + f.name}, Attr: f.attr}
		_ = enc.EncodeToken(el)
		_ = enc.EncodeToken(xml.CharData(f.value))
		_ = enc.EncodeToken(el.End())
	}
	_ = enc.EncodeToken(root.End())
	_ = enc.Flush()
	b.WriteString("\n")
	return b.Bytes()
}

// w3cdtf is the time format of Opencast's catalogs.
func w3cdtf(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// episodeCatalog is the event's episode.xml.
func episodeCatalog(ev *lectern.Event, agent, creator string) []byte {
	period := fmt.Sprintf("start=%s; end=%s; scheme=W3C-DTF;", w3cdtf(ev.Start), w3cdtf(ev.End))
	return dublinCore([]dcField{
		{name: "title", value: ev.Title},
		{name: "creator", value: creator},
		{name: "isPartOf", value: ev.Series},
		{name: "description", value: ev.Description},
		{name: "spatial", value: agent},
		{name: "temporal", value: period, attr: []xml.Attr{{Name: xml.Name{Local: "xsi:type"}, Value: "dcterms:Period"}}},
		{name: "created", value: w3cdtf(ev.Start)},
		{name: "identifier", value: ev.UID},
	})
}

// seriesCatalog is the event's series.xml: Lectern's series are names,
// which serve as their identifiers too.
func seriesCatalog(series string) []byte {
	return dublinCore([]dcField{{name: "title", value: series}, {name: "identifier", value: series}})
}

// agentProperties is the event's org.opencastproject.capture.agent.properties
// (Java properties): pyCA reads the workflow from it and crashes without
// it. Its second line is a date, as Java writes it, which Galicaster
// skips when it compares two calendars.
func agentProperties(ev *lectern.Event, agent, devices, workflow string) []byte {
	var b strings.Builder
	b.WriteString("#Capture Agent specific data\n")
	b.WriteString("#" + ev.UpdatedAt.UTC().Format(time.RFC1123) + "\n")
	for _, kv := range [][2]string{
		{"event.title", ev.Title},
		{"event.series", ev.Series},
		{"event.location", agent},
		{"capture.device.names", devices},
		{"org.opencastproject.workflow.definition", workflow},
	} {
		if kv[1] != "" {
			b.WriteString(kv[0] + "=" + escapeProperty(kv[1]) + "\n")
		}
	}
	return []byte(b.String())
}

// escapeProperty escapes a Java property's value: a line break cannot
// start another property.
func escapeProperty(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`, "\t", `\t`, "\f", `\f`).Replace(s)
}
