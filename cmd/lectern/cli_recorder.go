package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"lectern"
	"lectern/password"
)

// recorderView is what `recorder list/show` print: the recorder with its
// manager's username and deposit path, never a password hash.
type recorderView struct {
	*lectern.Recorder
	Manager string `json:"manager"`
	Path    string `json:"path"`
	HasFTP  bool   `json:"has_ftp"`
}

func (a *app) recorderView(cmd *cobra.Command, s *services, r *lectern.Recorder) recorderView {
	v := recorderView{Recorder: r, HasFTP: r.HasFTP(), Path: s.recorders.(*lectern.RecorderDirectories).Path(r.Directory)}
	if r.UserID != nil {
		if u, err := s.users.FindUserByID(cmd.Context(), *r.UserID); err == nil {
			v.Manager = u.Username
		}
	}
	return v
}

func (a *app) findRecorderByName(cmd *cobra.Command, s *services, name string) (*lectern.Recorder, error) {
	return lectern.FindRecorder(cmd.Context(), s.recorders, lectern.RecorderFilter{Name: &name})
}

func (a *app) recorderCommand() *cobra.Command {
	cmd := groupCommand("recorder", "Manage recorders")

	r := lectern.NewRecorder()
	var manager, sftpKeys string
	var pwStdin bool
	add := &cobra.Command{
		Use:   "add",
		Short: "Create a recorder and its deposit directory",
		Args:  noArgs,
		RunE: a.withServices(func(cmd *cobra.Command, s *services, _ []string) error {
			if (r.CredentialsLogin != "") != pwStdin {
				return usageError{fmt.Errorf("recorder add: --login and --password-stdin go together")}
			}
			if pwStdin {
				pw, err := a.readPassword()
				if err != nil {
					return err
				}
				if r.CredentialsPasswordHash, err = password.Hash(pw); err != nil {
					return usageError{err}
				}
				// The capture agents' Digest login needs these secrets,
				// which bcrypt cannot give back.
				r.CredentialsDigest = password.Digest(strings.TrimSpace(r.CredentialsLogin), pw)
			}
			if sftpKeys != "" {
				b, err := os.ReadFile(sftpKeys)
				if err != nil {
					return usageError{fmt.Errorf("recorder add: --sftp-authorized-keys: %w", err)}
				}
				r.SFTPAuthorizedKeys = string(b)
			}
			if manager != "" {
				u, err := s.users.FindUserByUsername(cmd.Context(), manager)
				if err != nil {
					return &lectern.Error{Code: lectern.EINVALID, Message: fmt.Sprintf("manager %q: no such user", manager)}
				}
				r.UserID = &u.ID
			}
			if r.TypeID == 0 {
				r.TypeID = a.cfg.DefaultRecorderTypeID
			}
			// The notify key is MD5(IP + salt): without a salt anyone who
			// knows the IP can compute it. Pod allows an empty salt, so
			// an explicit --salt '' is kept, with a warning.
			randomSalt := !cmd.Flags().Changed("salt")
			if randomSalt {
				r.Salt = lectern.NewSalt()
			}
			if err := s.recorders.CreateRecorder(cmd.Context(), r); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "created recorder %s (id %d), deposit directory %s\n", r.Name, r.ID,
				s.recorders.(*lectern.RecorderDirectories).Path(r.Directory))
			if randomSalt {
				fmt.Fprintf(a.stdout, "random salt %s: give it to whatever calls the notify URL for this recorder\n", r.Salt)
			} else if r.Salt == "" {
				fmt.Fprintf(a.stderr, "warning: recorder %s has an empty salt: anyone who knows its IP can compute its notify key\n", r.Name)
			}
			return nil
		}),
	}
	f := add.Flags()
	f.StringVar(&r.Name, "name", "", "name (required)")
	f.StringVar(&r.Description, "description", "", "description")
	f.StringVar(&r.AddressIP, "ip", "", "the recorder's IP address (required)")
	f.StringVar(&r.Directory, "directory", "", "deposit directory under DEFAULT_RECORDER_PATH (required)")
	f.Int64Var(&r.TypeID, "type-id", 0, "video type id of its videos (default DEFAULT_RECORDER_TYPE_ID)")
	f.StringVar(&r.Salt, "salt", "", "salt of the notify key (default: a random one; '' is allowed but makes the key guessable)")
	f.StringVar(&manager, "manager", "", "username of the manager, who is mailed and owns the videos")
	f.StringVar(&r.RecordingType, "recording-type", lectern.RecordingTypeVideo, "video or audiovideocast")
	f.BoolVar(&r.PublicationAuto, "auto", false, "publish deposits automatically for the manager")
	f.StringVar(&r.CredentialsLogin, "login", "", "FTP login (with --password-stdin)")
	f.StringVar(&r.AgentName, "agent-name", "", "Opencast capture agent name (default: the FTP login)")
	f.BoolVar(&pwStdin, "password-stdin", false, "read the FTP password from standard input")
	f.StringVar(&sftpKeys, "sftp-authorized-keys", "", "OpenSSH authorized_keys file: keys that log in to the SFTP server as --login")
	for _, name := range []string{"name", "ip", "directory"} {
		_ = add.MarkFlagRequired(name)
	}

	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List recorders",
		Args:  noArgs,
		RunE: a.withServices(func(cmd *cobra.Command, s *services, _ []string) error {
			var views []recorderView
			for page := 1; ; page++ {
				rs, total, err := s.recorders.FindRecorders(cmd.Context(), lectern.RecorderFilter{Page: lectern.Page{Number: page, Size: lectern.MaxPageSize}})
				if err != nil {
					return err
				}
				for _, r := range rs {
					views = append(views, a.recorderView(cmd, s, r))
				}
				if len(views) >= total || len(rs) == 0 {
					break
				}
			}
			if asJSON {
				if views == nil {
					views = []recorderView{}
				}
				return a.printJSON(views)
			}
			w := a.table()
			fmt.Fprintln(w, "ID\tNAME\tIP\tDIRECTORY\tTYPE\tMANAGER\tAUTO\tFTP")
			for _, v := range views {
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%t\t%s\n", v.ID, v.Name, v.AddressIP, v.Directory, v.RecordingType,
					dash(v.Manager), v.PublicationAuto, dash(v.CredentialsLogin))
			}
			return w.Flush()
		}),
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	var showJSON bool
	show := &cobra.Command{
		Use:   "show NAME",
		Short: "Show one recorder",
		Args:  exactlyOneArg,
		RunE: a.withServices(func(cmd *cobra.Command, s *services, args []string) error {
			r, err := a.findRecorderByName(cmd, s, args[0])
			if err != nil {
				return err
			}
			v := a.recorderView(cmd, s, r)
			if showJSON {
				return a.printJSON(v)
			}
			w := a.table()
			for _, row := range [][2]string{
				{"ID", fmt.Sprint(v.ID)}, {"Name", v.Name}, {"Description", v.Description}, {"IP address", v.AddressIP},
				{"Recording type", v.RecordingType}, {"Manager", dash(v.Manager)}, {"Publication auto", fmt.Sprint(v.PublicationAuto)},
				{"Directory", v.Directory}, {"Deposit path", v.Path}, {"FTP login", dash(v.CredentialsLogin)},
				{"Video type id", fmt.Sprint(v.TypeID)}, {"Draft", fmt.Sprint(v.IsDraft)}, {"Restricted", fmt.Sprint(v.IsRestricted)},
				{"Tags", v.Tags}, {"Language", v.MainLang}, {"Licence", v.Licence},
				{"Allow downloading", fmt.Sprint(v.AllowDownloading)}, {"Disable comment", fmt.Sprint(v.DisableComment)},
			} {
				fmt.Fprintf(w, "%s:\t%s\n", row[0], row[1])
			}
			return w.Flush()
		}),
	}
	show.Flags().BoolVar(&showJSON, "json", false, "print JSON")

	remove := &cobra.Command{
		Use:   "remove NAME",
		Short: "Delete a recorder (its directory and files stay on disk)",
		Args:  exactlyOneArg,
		RunE: a.withServices(func(cmd *cobra.Command, s *services, args []string) error {
			r, err := a.findRecorderByName(cmd, s, args[0])
			if err != nil {
				return err
			}
			if err := s.recorders.DeleteRecorder(cmd.Context(), r.ID); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "removed recorder %s\n", r.Name)
			return nil
		}),
	}
	cmd.AddCommand(add, list, show, remove, a.checkDirectoryCommand())
	return cmd
}

func exactlyOneArg(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usageError{fmt.Errorf("%s takes exactly one argument", cmd.CommandPath())}
	}
	return nil
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}
