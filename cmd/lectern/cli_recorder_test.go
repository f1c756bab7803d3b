package main

import (
	"strings"
	"testing"
)

// `recorder add` gives a recorder a random salt unless --salt says
// otherwise; an explicit empty salt (which Pod allows) is kept, with a
// warning.
func TestCLIRecorderSalt(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	typeID := itoa(c.addType(t, "Course"))
	add := func(name, ip string, extra ...string) result {
		t.Helper()
		return c.mustRun(t, "", append([]string{"recorder", "add", "--name", name, "--ip", ip, "--directory", strings.ToLower(name),
			"--type-id", typeID}, extra...)...)
	}
	show := func(name string) jsonRecorder {
		t.Helper()
		var r jsonRecorder
		c.mustJSON(t, &r, "recorder", "show", name, "--json")
		return r
	}

	a, b := add("A", "10.0.0.1"), add("B", "10.0.0.2")
	sa, sb := show("A").Salt, show("B").Salt
	if len(sa) < 20 || sa == sb {
		t.Errorf("default salts %q and %q: want two random ones", sa, sb)
	}
	if !strings.Contains(a.stdout, "random salt "+sa) || !strings.Contains(b.stdout, sb) || a.stderr != "" {
		t.Errorf("add without --salt: stdout %q, stderr %q; want the salt told", a.stdout, a.stderr)
	}

	res := add("C", "10.0.0.3", "--salt", "pepper")
	if got := show("C").Salt; got != "pepper" || strings.Contains(res.stdout, "random") || strings.Contains(res.stderr, "warning") {
		t.Errorf("--salt pepper: salt %q, stdout %q, stderr %q", got, res.stdout, res.stderr)
	}
	res = add("D", "10.0.0.4", "--salt", "")
	if got := show("D").Salt; got != "" || !strings.Contains(res.stderr, "warning: recorder D has an empty salt") {
		t.Errorf("--salt '': salt %q, stderr %q; want empty, with a warning", got, res.stderr)
	}
}
