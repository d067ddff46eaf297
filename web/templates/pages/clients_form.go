package pages

import "github.com/certportal/certportal/web/templates/view"

// Form is a form's values and per-field errors: one shape for every form of the
// clients, projects, requirements and settings pages, so a refused form is shown
// again with what the user typed.
type Form struct {
	Values map[string]string
	Errors view.FieldErrors
}

// NewForm returns an empty form with values.
func NewForm(values map[string]string) Form {
	if values == nil {
		values = map[string]string{}
	}
	return Form{Values: values, Errors: view.FieldErrors{}}
}

// V is a field's value.
func (f Form) V(name string) string { return f.Values[name] }

// Checked reports whether a checkbox field was ticked.
func (f Form) Checked(name string) bool {
	v := f.Values[name]
	return v == "1" || v == "true" || v == "on"
}

// Option is one choice of a select; Selected marks the current one where the
// template does not compare values itself.
type Option struct {
	Value    string
	Label    string
	Selected bool
}

// Fact is one labelled value on a detail page.
type Fact struct {
	Label string
	Value string
}
