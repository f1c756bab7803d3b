package lectern

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error codes. Each edge maps them once: web and api to HTTP statuses, the
// command line to exit codes, ftp to reply codes, jobs to a cancelled job
// (EINVALID: retrying cannot help) or a retry.
const (
	EINVALID      = "invalid"      // bad input; see Error.Fields
	ENOTFOUND     = "not_found"    // no such entity
	ECONFLICT     = "conflict"     // unique value already used, or state forbids it
	EUNAUTHORIZED = "unauthorized" // not authenticated
	EFORBIDDEN    = "forbidden"    // authenticated but not allowed
	EINTERNAL     = "internal"     // anything else
)

// Error is an expected failure that a user may be shown. Message is written
// for people; Fields holds per-field messages for forms and API 400 answers.
type Error struct {
	Op      string            // what was being done, e.g. "create recorder"
	Code    string            // one of the E* codes
	Message string            // human-readable, safe to show
	Fields  map[string]string // field name -> message, for EINVALID
	Err     error             // underlying error, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	if e.Message != "" {
		b.WriteString(e.Message)
	} else {
		b.WriteString(e.Code)
	}
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			if i == 0 {
				b.WriteString(" (")
			} else {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s: %s", k, e.Fields[k])
		}
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or
// "Internal error." for any other error: only coded messages reach users.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return "Internal error."
}

// ErrorFields returns the per-field messages of the first *Error in err's
// chain, or nil.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// FieldErrors collects per-field validation messages.
type FieldErrors map[string]string

// Add records msg for field unless the field already has a message.
func (f FieldErrors) Add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// Err returns nil when no field failed, else an EINVALID *Error for op.
func (f FieldErrors) Err(op string) error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Op: op, Code: EINVALID, Message: "Please correct the errors below.", Fields: f}
}
