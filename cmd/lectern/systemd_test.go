package main

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The systemd units as shipped (by the package: TestPackageDeb installs
// them and has systemd-analyze check them): each runs an existing
// subcommand of /usr/bin/lectern with the configuration in /etc/lectern,
// hardened, keeps DATA_DIR in its StateDirectory
// (the example's relative DATA_DIR would otherwise resolve against /),
// restarts for ever on failure but not on exit status 2 (a refusal), and
// points nowhere that nothing installs.
func TestSystemdUnits(t *testing.T) {
	t.Parallel()
	for unit, sub := range map[string]string{"lectern.service": "serve", "lectern-worker.service": "worker"} {
		t.Run(unit, func(t *testing.T) {
			keys := parseUnit(t, filepath.Join("..", "..", "packaging", "systemd", unit))
			exec := strings.Fields(strings.Join(keys["Service.ExecStart"], ""))
			if len(exec) != 4 || exec[0] != "/usr/bin/lectern" || exec[1] != sub || exec[2] != "--config" || exec[3] != "/etc/lectern/lectern.toml" {
				t.Errorf("ExecStart %q; want the binary, %s, --config /etc/lectern/lectern.toml", exec, sub)
			} else if c, _, err := (&app{}).rootCommand().Find(exec[1:2]); err != nil || c.Name() != sub {
				t.Errorf("ExecStart's subcommand %q: %v", sub, err)
			}
			for key, want := range map[string]string{
				"Service.User":                     "lectern",
				"Service.StateDirectory":           "lectern",
				"Service.Environment":              "LECTERN_DATA_DIR=/var/lib/lectern",
				"Service.WorkingDirectory":         "/var/lib/lectern",
				"Service.Restart":                  "on-failure",
				"Service.RestartPreventExitStatus": "2",
				"Unit.StartLimitIntervalSec":       "0",
				// Hardening (README, "Package"): read-only but for
				// DATA_DIR and the storage, no capability, no new
				// privileges, a system-call filter.
				"Service.ProtectSystem":           "strict",
				"Service.ProtectHome":             "true",
				"Service.PrivateTmp":              "true",
				"Service.NoNewPrivileges":         "true",
				"Service.ReadWritePaths":          "/srv/lectern",
				"Service.CapabilityBoundingSet":   "",
				"Service.AmbientCapabilities":     "",
				"Service.RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
				"Service.SystemCallFilter":        "@system-service",
				"Service.UMask":                   "0027",
			} {
				if !slices.Contains(keys[key], want) {
					t.Errorf("%s = %q; want %q", key, keys[key], want)
				}
			}
			if rw, mounts := keys["Service.ReadWritePaths"], keys["Unit.RequiresMountsFor"]; !slices.Equal(rw, mounts) {
				t.Errorf("ReadWritePaths %q, RequiresMountsFor %q: the storage written to is the storage waited for", rw, mounts)
			}
			if len(keys["Unit.RequiresMountsFor"]) == 0 {
				t.Error("no RequiresMountsFor: the node may start before the shared storage is mounted")
			}
			for _, d := range keys["Unit.Documentation"] {
				if strings.HasPrefix(d, "file:") {
					t.Errorf("Documentation=%s: nothing installs it", d)
				}
			}
		})
	}
}

// parseUnit reads a unit file's settings as "Section.Key" → values.
func parseUnit(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys := map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s: bad line %q", path, line)
			}
			keys[section+"."+strings.TrimSpace(k)] = append(keys[section+"."+strings.TrimSpace(k)], strings.TrimSpace(v))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return keys
}
