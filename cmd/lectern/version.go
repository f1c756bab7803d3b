package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is the release, set when building a package:
//
//	go build -ldflags "-X main.version=1.2.0" ./cmd/lectern
//
// Empty, the module's build information names the commit instead.
var version string

// versionInfo is what `lectern version` prints.
type versionInfo struct {
	Version   string `json:"version"`
	Revision  string `json:"revision,omitempty"` // the VCS commit built
	Time      string `json:"time,omitempty"`     // the commit's time
	Modified  bool   `json:"modified"`           // built from a work tree with changes
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
}

// buildVersion reads the version from the -X variable, else from the
// build information Go records in the binary (the module's version, or
// the commit when built from a checkout: "devel+<12 hex>[-dirty]").
func buildVersion() versionInfo {
	v := versionInfo{Version: version, GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Revision = s.Value
			case "vcs.time":
				v.Time = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
	}
	if v.Version == "" && ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v.Version = bi.Main.Version
	}
	if v.Version == "" {
		v.Version = "devel"
		if len(v.Revision) >= 12 {
			v.Version += "+" + v.Revision[:12]
		}
		if v.Modified {
			v.Version += "-dirty"
		}
	}
	return v
}

func (a *app) versionCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version and build information",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			v := buildVersion()
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(v)
			}
			fmt.Fprintf(a.stdout, "lectern %s\n", v.Version)
			if v.Revision != "" {
				dirty := ""
				if v.Modified {
					dirty = " (modified)"
				}
				fmt.Fprintf(a.stdout, "commit %s%s, %s\n", v.Revision, dirty, v.Time)
			}
			fmt.Fprintf(a.stdout, "built with %s for %s/%s\n", v.GoVersion, v.OS, v.Arch)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
