package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"lectern"
	"lectern/intake/watch"
)

// checkDirectoryCommand is Pod's `python manage.py recorder
// checkDirectory` under the same name, so that Pod's cron line keeps
// working with only the command changed: one pass over
// DEFAULT_RECORDER_PATH, where a file that the previous pass saw with the
// same size and modification time is complete. It runs beside a running
// `lectern serve` on the same DATA_DIR; each file still gets exactly one
// treatment.
func (a *app) checkDirectoryCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "checkDirectory",
		Short: "Scan DEFAULT_RECORDER_PATH once for complete deposits (Pod's cron command)",
		Long: `Scan DEFAULT_RECORDER_PATH once and exit, as Pod's cron command does.

A file is complete when the previous pass saw it with the same size and
modification time, and it is not empty; it then gets its treatment, detected
by "cron". Run it from cron every few minutes (Pod: */2), or let
"lectern serve" watch the directory instead (RECORDER_WATCH).`,
		Args: noArgs,
		RunE: a.withServices(func(cmd *cobra.Command, s *services, _ []string) error {
			root := a.cfg.DefaultRecorderPath
			if fi, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) {
				return lectern.Errorf(lectern.ENOTFOUND,
					"DEFAULT_RECORDER_PATH %s does not exist (lectern serve and recorder add create it)", root)
			} else if err != nil {
				return fmt.Errorf("DEFAULT_RECORDER_PATH: %w", err)
			} else if !fi.IsDir() {
				return lectern.Errorf(lectern.EINVALID, "DEFAULT_RECORDER_PATH %s is not a directory", root)
			}
			in := a.intake(s, nil)
			report, err := watch.CheckDirectory(cmd.Context(), root, watch.Deps{
				Intake: in, Treatments: in.Treatments, Sightings: in.Sightings, Logger: a.logger,
			})
			if err == nil || report != (watch.Report{}) {
				fmt.Fprintf(a.stdout, "checkDirectory %s: %s\n", root, report)
			}
			return err
		}),
	}
}
