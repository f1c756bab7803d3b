package web

import (
	"net/http"
	"slices"

	"lectern"
	"lectern/locale"
)

// formErrors are a form's validation messages, translated.
type formErrors struct {
	Errors       map[string]string // field -> message
	ErrorSummary string
	OtherErrors  []string // messages about fields the form does not show
}

// newFormErrors translates field messages; those for fields not in known
// go to OtherErrors.
func newFormErrors(p *locale.Printer, fields map[string]string, known []string) formErrors {
	fe := formErrors{Errors: map[string]string{}}
	if len(fields) == 0 {
		return fe
	}
	fe.ErrorSummary = p.Error("Please correct the errors below.")
	for k, v := range fields {
		if slices.Contains(known, k) {
			fe.Errors[k] = p.Error(v)
		} else {
			fe.OtherErrors = append(fe.OtherErrors, p.Error(v))
		}
	}
	slices.Sort(fe.OtherErrors)
	return fe
}

// fieldError is one field's message, for the field_error partial.
type fieldError struct {
	Name    string
	Message string
}

// Field returns the message of field name ("" when it is valid).
func (f formErrors) Field(name string) fieldError {
	return fieldError{Name: name, Message: f.Errors[name]}
}

// selectField is a select of a form, for the select_field partial: its
// field name (id "id_<Name>"), its label (translated by the page: keys
// stay literal in templates), whether it is required, its options and
// its message.
type selectField struct {
	Name, Label string
	Required    bool
	Options     []option
	Message     string
}

// Select returns field name's select, labelled label.
func (f formErrors) Select(name, label string, required bool, options []option) selectField {
	return selectField{Name: name, Label: label, Required: required, Options: options, Message: f.Errors[name]}
}

// checkField is a checkbox of a form, for the check_field partial: its
// field name (id "id_<Name>"), its label and help (translated by the
// page; no help when empty) and whether it is checked.
type checkField struct {
	Name, Label, Help string
	Checked           bool
}

// Check returns field name's checkbox.
func (f formErrors) Check(name, label, help string, checked bool) checkField {
	return checkField{Name: name, Label: label, Help: help, Checked: checked}
}

// saved answers the outcome of a form's save: nil flashes the success key
// done (formatted with name) and goes to next; an error with field
// messages returns them, for the form to be shown again with a 400; any
// other error gets its error page. answered tells whether the response
// is written.
func (s *Server) saved(w http.ResponseWriter, r *http.Request, err error, next, done, name string) (fields map[string]string, answered bool) {
	if err == nil {
		s.flash(r, "success", done, name)
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil, true
	}
	if fields = lectern.ErrorFields(err); len(fields) > 0 {
		return fields, false
	}
	s.serviceError(w, r, err)
	return nil, true
}
