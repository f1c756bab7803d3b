package avc

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"lectern"
)

// MaxClock bounds a slide's begin: no lecture lasts two days, and a larger
// value is a recorder's bug or a forged file.
const MaxClock = 48 * time.Hour

var (
	errClockSyntax = errors.New("not a clock value")
	errClockRange  = errors.New("out of range")
)

// ParseClock parses the begin of a slide: a SMIL 2.0 clock value, or a
// plain number of seconds as recorders write it. Accepted, with optional
// surrounding spaces and an optional leading "+":
//
//	12  12.5  .5  12.       seconds (Pod's float())
//	12s  1.5min  2h  500ms  a timecount and its unit
//	01:02.5                 partial clock: minutes and seconds
//	00:01:02.5  100:00:00   full clock: hours, minutes and seconds
//
// Minutes and seconds of a clock are one or two digits below 60; any
// fraction is kept, to the nanosecond. A negative value, anything else
// (NaN, "indefinite", an exponent, an event or wallclock value) or a
// value over MaxClock is an EINVALID *lectern.Error.
func ParseClock(s string) (time.Duration, error) {
	v := strings.TrimSpace(s)
	if strings.HasPrefix(v, "-") {
		return 0, clockError(fmt.Sprintf("%q is negative", s))
	}
	d, err := parseClock(strings.TrimPrefix(v, "+"))
	switch {
	case errors.Is(err, errClockRange), err == nil && d > MaxClock:
		return 0, clockError(fmt.Sprintf("%q is more than %d hours", s, int(MaxClock.Hours())))
	case err != nil:
		return 0, clockError(fmt.Sprintf("%q is not a time: write seconds (12.5) or a SMIL clock value (12.5s, 1.5min, 500ms, 01:02.5, 00:01:02.5)", s))
	}
	return d, nil
}

func clockError(msg string) error {
	return &lectern.Error{Op: "parse clock", Code: lectern.EINVALID, Message: msg}
}

func parseClock(v string) (time.Duration, error) {
	if strings.Contains(v, ":") {
		parts := strings.Split(v, ":")
		if len(parts) == 2 {
			parts = append([]string{"0"}, parts...)
		}
		if len(parts) != 3 || !isDigits(parts[0]) || !isSixty(parts[1]) {
			return 0, errClockSyntax
		}
		sec, _, _ := strings.Cut(parts[2], ".")
		if !isSixty(sec) {
			return 0, errClockSyntax
		}
		h, err := decimal(parts[0], time.Hour)
		if err != nil {
			return 0, err
		}
		m, _ := decimal(parts[1], time.Minute)
		s, err := decimal(parts[2], time.Second)
		if err != nil {
			return 0, err
		}
		return h + m + s, nil
	}
	unit := time.Second
	for _, u := range []struct {
		suffix string
		unit   time.Duration
	}{{"ms", time.Millisecond}, {"min", time.Minute}, {"h", time.Hour}, {"s", time.Second}} {
		if n, ok := strings.CutSuffix(v, u.suffix); ok {
			v, unit = n, u.unit
			break
		}
	}
	return decimal(v, unit)
}

// decimal parses digits with at most one ".", at least one digit, times
// unit.
func decimal(v string, unit time.Duration) (time.Duration, error) {
	whole, frac, _ := strings.Cut(v, ".")
	if whole == "" && frac == "" || !isDigits(whole) || !isDigits(frac) {
		return 0, errClockSyntax
	}
	var d time.Duration
	if whole != "" {
		whole = strings.TrimLeft(whole, "0")
		if len(whole) > 15 {
			return 0, errClockRange
		}
		n, _ := strconv.ParseInt("0"+whole, 10, 64)
		if n > int64(MaxClock/unit) {
			return 0, errClockRange
		}
		d = time.Duration(n) * unit
	}
	if frac != "" {
		if len(frac) > 18 {
			frac = frac[:18] // far below a nanosecond
		}
		f, _ := strconv.ParseFloat("0."+frac, 64)
		d += time.Duration(math.Round(f * float64(unit)))
	}
	return d, nil
}

// isDigits reports whether s holds ASCII digits only (true for "").
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isSixty reports whether s is one or two digits below 60.
func isSixty(s string) bool {
	if len(s) < 1 || len(s) > 2 || !isDigits(s) {
		return false
	}
	n, _ := strconv.Atoi(s)
	return n < 60
}
