package httpjson

import (
	"net/http"
	"reflect"
	"time"
	"unsafe"
)

// InLocation returns w marked so that Write answers every time of its
// value in loc (TIME_ZONE): RFC 3339 with the zone's offset,
// "2026-12-06T09:45:00+01:00", where the stored time, in UTC, would give
// "2026-12-06T08:45:00Z". Field names stay; the zero time (never set)
// stays "0001-01-01T00:00:00Z". nil loc: w itself.
func InLocation(w http.ResponseWriter, loc *time.Location) http.ResponseWriter {
	if loc == nil {
		return w
	}
	return &locationWriter{ResponseWriter: w, loc: loc}
}

// locationWriter carries the location to Write.
type locationWriter struct {
	http.ResponseWriter
	loc *time.Location
}

// Unwrap lets http.ResponseController reach the writer below.
func (w *locationWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

var timeType = reflect.TypeFor[time.Time]()

// inLocation returns a copy of v whose times are in loc. Values are plain
// data (the answers' structs, slices, maps and pointers to them, no
// cycles); pointers and slices are followed and what they hold is changed
// in place: answers are built for one request.
func inLocation(v any, loc *time.Location) any {
	if v == nil {
		return nil
	}
	c := reflect.New(reflect.TypeOf(v)).Elem()
	c.Set(reflect.ValueOf(v))
	localize(c, loc)
	return c.Interface()
}

// localize sets every time under v, which is settable, to loc.
func localize(v reflect.Value, loc *time.Location) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			localize(v.Elem(), loc)
		}
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		c := reflect.New(v.Elem().Type()).Elem()
		c.Set(v.Elem())
		localize(c, loc)
		v.Set(c)
	case reflect.Struct:
		if v.Type() == timeType {
			if t := v.Interface().(time.Time); !t.IsZero() {
				v.Set(reflect.ValueOf(t.In(loc)))
			}
			return
		}
		for i := range v.NumField() {
			f, sf := v.Field(i), v.Type().Field(i)
			if !sf.IsExported() {
				if !sf.Anonymous {
					continue // encoding/json skips it too
				}
				// An unexported embedded struct's fields are
				// encoded as the outer struct's own.
				f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
			}
			localize(f, loc)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			localize(v.Index(i), loc)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			c := reflect.New(iter.Value().Type()).Elem()
			c.Set(iter.Value())
			localize(c, loc)
			v.SetMapIndex(iter.Key(), c)
		}
	}
}
