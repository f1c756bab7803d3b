package lectern_test

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lectern"
)

func TestErrorError(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		err  *lectern.Error
		want string
	}{
		{"code only", &lectern.Error{Code: lectern.ENOTFOUND}, "not_found"},
		{"message", &lectern.Error{Code: lectern.ENOTFOUND, Message: "Recorder not found."}, "Recorder not found."},
		{"op and code", &lectern.Error{Op: "delete user", Code: lectern.ECONFLICT}, "delete user: conflict"},
		{"op and message", &lectern.Error{Op: "delete user", Code: lectern.ECONFLICT, Message: "In use."}, "delete user: In use."},
		{"fields sorted", &lectern.Error{Op: "validate recorder", Code: lectern.EINVALID, Message: "Please correct.",
			Fields: map[string]string{"name": "Required.", "address_ip": "Bad IP."}},
			"validate recorder: Please correct. (address_ip: Bad IP.; name: Required.)"},
		{"one field", &lectern.Error{Code: lectern.EINVALID, Fields: map[string]string{"name": "Required."}},
			"invalid (name: Required.)"},
		{"underlying error", &lectern.Error{Op: "rename", Code: lectern.EINTERNAL, Message: "Cannot rename.", Err: fs.ErrPermission},
			"rename: Cannot rename.: permission denied"},
		{"everything", &lectern.Error{Op: "op", Code: lectern.EINVALID, Message: "msg", Fields: map[string]string{"f": "bad"}, Err: errors.New("cause")},
			"op: msg (f: bad): cause"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestErrorf(t *testing.T) {
	t.Parallel()
	err := lectern.Errorf(lectern.ENOTFOUND, "Recorder %q not found.", "amphi")
	if err.Code != lectern.ENOTFOUND || err.Message != `Recorder "amphi" not found.` || err.Op != "" || err.Err != nil {
		t.Errorf("Errorf() = %#v", err)
	}
}

func TestErrorUnwrap(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("update recorder 3: %w", &lectern.Error{Code: lectern.EINTERNAL, Err: fs.ErrNotExist})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(%v, fs.ErrNotExist) = false, want true", err)
	}
	var e *lectern.Error
	if !errors.As(err, &e) || e.Code != lectern.EINTERNAL {
		t.Errorf("errors.As(%v) = %v, want the *lectern.Error", err, e)
	}
}

func TestErrorCodeMessageFields(t *testing.T) {
	t.Parallel()
	fields := map[string]string{"name": "A recorder with this name already exists."}
	conflict := &lectern.Error{Op: "create recorder", Code: lectern.ECONFLICT, Message: "A recorder with this name already exists.", Fields: fields}
	for _, tt := range []struct {
		name       string
		err        error
		code, msg  string
		wantFields map[string]string
	}{
		{"nil", nil, "", "", nil},
		{"plain error", errors.New("disk on fire"), lectern.EINTERNAL, "Internal error.", nil},
		{"wrapped plain error", fmt.Errorf("save: %w", fs.ErrPermission), lectern.EINTERNAL, "Internal error.", nil},
		{"coded error", conflict, lectern.ECONFLICT, "A recorder with this name already exists.", fields},
		{"wrapped once", fmt.Errorf("recorder add: %w", conflict), lectern.ECONFLICT, "A recorder with this name already exists.", fields},
		{"wrapped twice", fmt.Errorf("cli: %w", fmt.Errorf("recorder add: %w", conflict)), lectern.ECONFLICT, "A recorder with this name already exists.", fields},
		{"joined", errors.Join(errors.New("first"), conflict), lectern.ECONFLICT, "A recorder with this name already exists.", fields},
		// A coded error without a message still hides its details.
		{"code without message", &lectern.Error{Code: lectern.ENOTFOUND, Err: errors.New("sql: no rows")}, lectern.ENOTFOUND, "Internal error.", nil},
		{"outermost coded error wins", &lectern.Error{Code: lectern.EINVALID, Message: "outer", Err: conflict}, lectern.EINVALID, "outer", nil},
		{"field errors", lectern.FieldErrors{"tags": "Too long."}.Err("validate recorder"), lectern.EINVALID, "Please correct the errors below.",
			map[string]string{"tags": "Too long."}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := lectern.ErrorCode(tt.err); got != tt.code {
				t.Errorf("ErrorCode() = %q, want %q", got, tt.code)
			}
			if got := lectern.ErrorMessage(tt.err); got != tt.msg {
				t.Errorf("ErrorMessage() = %q, want %q", got, tt.msg)
			}
			if diff := cmp.Diff(tt.wantFields, lectern.ErrorFields(tt.err), cmpEmptyMap); diff != "" {
				t.Errorf("ErrorFields() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFieldErrors(t *testing.T) {
	t.Parallel()
	t.Run("none", func(t *testing.T) {
		t.Parallel()
		if err := (lectern.FieldErrors{}).Err("validate"); err != nil {
			t.Errorf("Err() = %v, want nil", err)
		}
	})
	t.Run("first message kept", func(t *testing.T) {
		t.Parallel()
		f := lectern.FieldErrors{}
		f.Add("name", "This field is required.")
		f.Add("name", "Too long.")
		f.Add("directory", "Bad.")
		err := f.Err("validate recorder")
		var e *lectern.Error
		if !errors.As(err, &e) {
			t.Fatalf("Err() = %T, want *lectern.Error", err)
		}
		if e.Op != "validate recorder" || e.Code != lectern.EINVALID {
			t.Errorf("Op, Code = %q, %q; want validate recorder, invalid", e.Op, e.Code)
		}
		if diff := cmp.Diff(map[string]string{"name": "This field is required.", "directory": "Bad."}, e.Fields); diff != "" {
			t.Errorf("Fields (-want +got):\n%s", diff)
		}
	})
}

// cmpEmptyMap treats nil and empty maps alike.
var cmpEmptyMap = cmp.FilterValues(func(a, b map[string]string) bool { return len(a) == 0 && len(b) == 0 },
	cmp.Comparer(func(a, b map[string]string) bool { return true }))
