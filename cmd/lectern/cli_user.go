package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"lectern"
	"lectern/jobs"
	"lectern/password"
)

// readPassword reads one line from stdin (for --password-stdin).
func (a *app) readPassword() (string, error) {
	line, err := bufio.NewReader(a.stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", usageError{fmt.Errorf("--password-stdin: no password on standard input")}
	}
	return pw, nil
}

// hashStdinPassword reads a password from stdin and hashes it.
func (a *app) hashStdinPassword() (string, error) {
	pw, err := a.readPassword()
	if err != nil {
		return "", err
	}
	h, err := password.Hash(pw)
	if err != nil {
		return "", usageError{err}
	}
	return h, nil
}

func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (a *app) table() *tabwriter.Writer {
	return tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
}

func (a *app) userCommand() *cobra.Command {
	cmd := groupCommand("user", "Manage user accounts")

	var u lectern.User
	var pwStdin bool
	add := &cobra.Command{
		Use:   "add",
		Short: "Create a user (password read from standard input)",
		Args:  noArgs,
		RunE: a.withServices(func(cmd *cobra.Command, s *services, _ []string) error {
			if !pwStdin {
				return usageError{fmt.Errorf("user add: --password-stdin is required")}
			}
			hash, err := a.hashStdinPassword()
			if err != nil {
				return err
			}
			u.PasswordHash, u.IsActive = hash, true
			if u.IsSuperuser {
				u.IsStaff = true
			}
			if err := s.users.CreateUser(cmd.Context(), &u); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "created user %s (id %d)\n", u.Username, u.ID)
			return nil
		}),
	}
	add.Flags().StringVar(&u.Username, "username", "", "login name (required)")
	add.Flags().StringVar(&u.Email, "email", "", "email address (required)")
	add.Flags().StringVar(&u.FirstName, "first-name", "", "first name")
	add.Flags().StringVar(&u.LastName, "last-name", "", "last name")
	add.Flags().BoolVar(&u.IsStaff, "staff", false, "staff: may claim recordings")
	add.Flags().BoolVar(&u.IsSuperuser, "superuser", false, "superuser: administers everything")
	add.Flags().BoolVar(&pwStdin, "password-stdin", false, "read the password from standard input")
	_ = add.MarkFlagRequired("username")
	_ = add.MarkFlagRequired("email")

	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List users",
		Args:  noArgs,
		RunE: a.withServices(func(cmd *cobra.Command, s *services, _ []string) error {
			all := []*lectern.User{} // JSON [] rather than null when empty
			for page := 1; ; page++ {
				users, total, err := s.users.FindUsers(cmd.Context(), lectern.UserFilter{Page: lectern.Page{Number: page, Size: lectern.MaxPageSize}})
				if err != nil {
					return err
				}
				all = append(all, users...)
				if len(all) >= total || len(users) == 0 {
					break
				}
			}
			if asJSON {
				return a.printJSON(all)
			}
			w := a.table()
			fmt.Fprintln(w, "ID\tUSERNAME\tEMAIL\tNAME\tSTAFF\tSUPERUSER\tACTIVE")
			for _, u := range all {
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%t\t%t\t%t\n", u.ID, u.Username, u.Email, u.FullName(), u.IsStaff, u.IsSuperuser, u.IsActive)
			}
			return w.Flush()
		}),
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	var username string
	var pwStdin2 bool
	passwd := &cobra.Command{
		Use:   "passwd",
		Short: "Set a user's password (read from standard input)",
		Args:  noArgs,
		RunE: a.withServices(func(cmd *cobra.Command, s *services, _ []string) error {
			if !pwStdin2 {
				return usageError{fmt.Errorf("user passwd: --password-stdin is required")}
			}
			hash, err := a.hashStdinPassword()
			if err != nil {
				return err
			}
			user, err := s.users.FindUserByUsername(cmd.Context(), username)
			if err != nil {
				return err
			}
			if err := s.users.SetUserPassword(cmd.Context(), user.ID, hash); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "password changed for %s\n", user.Username)
			return nil
		}),
	}
	passwd.Flags().StringVar(&username, "username", "", "login name (required)")
	passwd.Flags().BoolVar(&pwStdin2, "password-stdin", false, "read the password from standard input")
	_ = passwd.MarkFlagRequired("username")

	cmd.AddCommand(add, list, passwd)
	return cmd
}

func (a *app) typeCommand() *cobra.Command {
	cmd := groupCommand("type", "Manage video types (DEFAULT_RECORDER_TYPE_ID names one)")
	var t lectern.VideoType
	add := &cobra.Command{
		Use:   "add",
		Short: "Create a video type",
		Args:  noArgs,
		RunE: a.withServices(func(cmd *cobra.Command, s *services, _ []string) error {
			if err := s.types.CreateVideoType(cmd.Context(), &t); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "created video type %q (id %d)\n", t.Title, t.ID)
			return nil
		}),
	}
	add.Flags().StringVar(&t.Title, "title", "", "title (required)")
	add.Flags().StringVar(&t.Description, "description", "", "description")
	_ = add.MarkFlagRequired("title")

	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List video types",
		Args:  noArgs,
		RunE: a.withServices(func(cmd *cobra.Command, s *services, _ []string) error {
			types, _, err := s.types.FindVideoTypes(cmd.Context(), lectern.Page{Size: lectern.MaxPageSize})
			if err != nil {
				return err
			}
			if asJSON {
				return a.printJSON(types)
			}
			w := a.table()
			fmt.Fprintln(w, "ID\tTITLE")
			for _, t := range types {
				fmt.Fprintf(w, "%d\t%s\n", t.ID, t.Title)
			}
			return w.Flush()
		}),
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(add, list)
	return cmd
}

func (a *app) tokenCommand() *cobra.Command {
	cmd := groupCommand("token", "Manage API tokens")
	var username string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API token for a user and print it (only now)",
		Args:  noArgs,
		RunE: a.withServices(func(cmd *cobra.Command, s *services, _ []string) error {
			u, err := s.users.FindUserByUsername(cmd.Context(), username)
			if err != nil {
				return err
			}
			tok, err := s.tokens.CreateToken(cmd.Context(), u.ID)
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, tok)
			return nil
		}),
	}
	create.Flags().StringVar(&username, "username", "", "the token's user (required)")
	_ = create.MarkFlagRequired("username")
	cmd.AddCommand(create)
	return cmd
}

// services opens the database and builds the store's services on it,
// with the Enqueuer their transactions insert jobs through (River's
// driver for the database's dialect); the caller closes s.db.
func (a *app) services(ctx context.Context) (*services, error) {
	db, err := a.openDB(ctx)
	if err != nil {
		return nil, err
	}
	enq, err := jobs.NewEnqueuer(jobs.EnqueuerConfig{Postgres: db.Dialect() == "postgres", Logger: a.logger.With("edge", "jobs")})
	if err != nil {
		db.Close()
		return nil, err
	}
	return newServices(db, enq, a.cfg), nil
}

// withServices adapts a command body that needs the database: it opens
// the database for the run and closes it after.
func (a *app) withServices(run func(cmd *cobra.Command, s *services, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		s, err := a.services(cmd.Context())
		if err != nil {
			return err
		}
		defer s.db.Close()
		return run(cmd, s, args)
	}
}
