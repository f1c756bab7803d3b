package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"lectern"
)

// personView is a directory entry as `lectern directory` prints it.
type personView struct {
	Username           string   `json:"username"`
	FirstName          string   `json:"first_name"`
	LastName           string   `json:"last_name"`
	Email              string   `json:"email"`
	PrimaryAffiliation string   `json:"primary_affiliation"`
	Affiliations       []string `json:"affiliations"`
	Groups             []string `json:"groups"`
}

func newPersonView(p lectern.Identity) personView {
	v := personView{Username: p.Username, FirstName: p.FirstName, LastName: p.LastName, Email: p.Email,
		PrimaryAffiliation: p.PrimaryAffiliation, Affiliations: p.Affiliations, Groups: p.Groups}
	if v.Affiliations == nil {
		v.Affiliations = []string{}
	}
	if v.Groups == nil {
		v.Groups = []string{}
	}
	return v
}

// directoryCommand asks the LDAP directory what Lectern would read: for
// an admin checking LDAP_SERVER, the bind, AUTH_LDAP_USER_SEARCH and
// USER_LDAP_MAPPING_ATTRIBUTES without logging anyone in.
func (a *app) directoryCommand() *cobra.Command {
	cmd := groupCommand("directory", "Search the LDAP directory as Lectern reads it (LDAP_SERVER)")

	var limit int
	var searchJSON bool
	search := &cobra.Command{
		Use:   "search QUERY...",
		Short: "List the people whose username, name or email contains every word of QUERY",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := a.directory()
			if err != nil {
				return err
			}
			if limit < 1 {
				return usageError{fmt.Errorf("--limit must be at least 1, not %d", limit)}
			}
			people, err := dir.SearchPeople(cmd.Context(), strings.Join(args, " "), limit)
			if err != nil {
				return err
			}
			views := []personView{}
			for _, p := range people {
				views = append(views, newPersonView(p))
			}
			if searchJSON {
				return a.printJSON(views)
			}
			w := a.table()
			fmt.Fprintln(w, "USERNAME\tNAME\tEMAIL\tAFFILIATION\tGROUPS")
			for _, v := range views {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", v.Username, dash(strings.TrimSpace(v.FirstName+" "+v.LastName)),
					dash(v.Email), dash(v.PrimaryAffiliation), dash(strings.Join(v.Groups, ", ")))
			}
			return w.Flush()
		},
	}
	search.Flags().IntVar(&limit, "limit", 20, "most people listed")
	search.Flags().BoolVar(&searchJSON, "json", false, "print JSON")

	var lookupJSON bool
	lookup := &cobra.Command{
		Use:   "lookup USERNAME",
		Short: "Show the person AUTH_LDAP_USER_SEARCH finds for USERNAME, as a login would be filled",
		Args:  exactlyOneArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := a.directory()
			if err != nil {
				return err
			}
			p, err := dir.LookupPerson(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			v := newPersonView(*p)
			if lookupJSON {
				return a.printJSON(v)
			}
			w := a.table()
			for _, row := range [][2]string{
				{"Username", v.Username}, {"First name", v.FirstName}, {"Last name", v.LastName}, {"Email", v.Email},
				{"Primary affiliation", v.PrimaryAffiliation}, {"Affiliations", strings.Join(v.Affiliations, ", ")},
				{"Groups", strings.Join(v.Groups, ", ")},
			} {
				fmt.Fprintf(w, "%s:\t%s\n", row[0], dash(row[1]))
			}
			return w.Flush()
		},
	}
	lookup.Flags().BoolVar(&lookupJSON, "json", false, "print JSON")

	cmd.AddCommand(search, lookup)
	return cmd
}

// directory returns the configured directory, or a usage error without
// LDAP_SERVER.
func (a *app) directory() (lectern.Directory, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	dir, err := newDirectory(cfg, a.logger)
	if err != nil {
		return nil, usageError{err}
	}
	if dir == nil {
		return nil, usageError{fmt.Errorf("LDAP_SERVER is not set: there is no directory to ask")}
	}
	return dir, nil
}
