package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"lectern/locale"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pageTemplates lists every page a handler renders; New fails when one of
// them is missing from templates/pages/.
var pageTemplates = []string{
	"account_login",
	"dashboard_show",
	"error_show",
	"recorder_list",
	"feed_list",
	"feed_form",
	"feed_show",
	"feed_delete",
	"admin_index",
	"admin_recorder_list",
	"admin_recorder_form",
	"admin_delete",
	"admin_type_list",
	"admin_type_form",
	"admin_user_list",
	"admin_user_form",
	"admin_group_list",
	"admin_group_form",
	"admin_treatment_list",
	"admin_treatment_show",
	"admin_treatment_delete",
	"admin_recording_file_list",
	"admin_outbox_list",
	"admin_outbox_show",
	"record_add",
	"record_add_delete",
	"record_claim_list",
	"record_delete",
	"record_waiting_list",
	"record_waiting_publish",
	"record_waiting_delete",
	"video_show",
	"video_password",
	"video_refused",
	"video_edit",
	"video_delete",
	"video_mine",
	"admin_recording_list",
	"admin_recording_show",
	"admin_video_list",
	"admin_video_encode",
	"admin_job_list",
	"admin_job_show",
	"schedule_week",
	"schedule_list",
	"schedule_mine",
	"schedule_form",
	"schedule_delete",
	"recorder_show",
}

// engine holds one template set per page: the layout, the partials and the
// page itself, parsed at start. Sets are cloned per request to bind the
// reader's printer (a shared set would let two requests in two languages
// overwrite each other's functions, see miniflux's TestRenderConcurrency).
type engine struct {
	pages map[string]*template.Template
}

func newEngine() (*engine, error) {
	base, err := template.New("layout.html").Funcs(funcMap(locale.NewPrinter(locale.Default))).
		ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	e := &engine{pages: map[string]*template.Template{}}
	files, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(templateFS, f); err != nil {
			return nil, fmt.Errorf("parse %s: %w", f, err)
		}
		e.pages[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	for _, name := range pageTemplates {
		if e.pages[name] == nil {
			return nil, fmt.Errorf("missing template pages/%s.html", name)
		}
	}
	return e, nil
}

// render executes page name with the functions of printer p.
func (e *engine) render(name string, p *locale.Printer, data any) ([]byte, error) {
	t, ok := e.pages[name]
	if !ok {
		return nil, fmt.Errorf("render %s: no such page", name)
	}
	t, err := t.Clone()
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	var buf bytes.Buffer
	if err := t.Funcs(funcMap(p)).ExecuteTemplate(&buf, "layout", data); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// funcMap is what templates may call: t, plural and terr translate; static
// names a versioned asset.
func funcMap(p *locale.Printer) template.FuncMap {
	return template.FuncMap{
		"t":      p.T,
		"plural": p.Plural,
		"terr":   p.Error,
		"static": staticURL,
	}
}

// staticVersion changes whenever an asset does, so browsers may cache
// assets for a year.
var staticVersion = func() string {
	h := sha256.New()
	_ = fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := staticFS.ReadFile(p)
			h.Write([]byte(p))
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}()

func staticURL(name string) string { return "/static/" + name + "?v=" + staticVersion }

func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("v") == staticVersion {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=300")
		}
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listings
			return
		}
		files.ServeHTTP(w, r)
	})
}
