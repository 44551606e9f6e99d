package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
)

const adminWhere = `
Each acts on the store (--data, --store), or, with --server URL --key-file F,
through the API of a running server with an operator's API key.
`

const sourceUsage = `Usage:
  candor source add --id ID --name NAME --kind KIND --types T1,T2,...   (a type ending in * matches a prefix: credit.*)
  candor source list
  candor source key SOURCE_ID          make a new API key for a source (the token is shown once)
  candor source revoke KEY_ID          revoke an API key at once
` + adminWhere

func runSource(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, sourceUsage)
		return flag.ErrHelp
	}
	fs := flag.NewFlagSet("source "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := app.Defaults()
	app.Register(fs, &cfg, app.StoreSettings|app.AdminSettings)
	var id, name, kind, types string
	if args[0] == "add" {
		fs.StringVar(&id, "id", "", "source id: lower-case letters, digits and _")
		fs.StringVar(&name, "name", "", "display name")
		fs.StringVar(&kind, "kind", "", "kind: "+strings.Join(sourceKindNames(), ", "))
		fs.StringVar(&types, "types", "", "comma-separated event types the source may post")
	}
	if err := app.ParseFlags(fs, reorder(args[1:])); err != nil {
		return err
	}
	adm, _, closeAdm, err := openAdmin(cfg)
	if err != nil {
		return err
	}
	defer closeAdm()
	switch args[0] {
	case "add":
		k, ok := candor.ParseSourceKind(kind)
		if !ok {
			return fmt.Errorf("--kind %q: want one of %s", kind, strings.Join(sourceKindNames(), ", "))
		}
		src := &candor.Source{ID: id, Name: name, Kind: k, AllowedTypes: strings.Split(types, ",")}
		if err := adm.PutSource(ctx, src); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "source %s added with %d event types; make a key with: candor source key %s\n", id, len(src.AllowedTypes), id)
		return nil
	case "list":
		return listSources(ctx, adm, stdout)
	case "key":
		if fs.NArg() != 1 {
			return fmt.Errorf("usage: candor source key SOURCE_ID")
		}
		return issueKey(ctx, adm, candor.RoleSource, fs.Arg(0), stdout, stderr)
	case "revoke":
		if fs.NArg() != 1 {
			return fmt.Errorf("usage: candor source revoke KEY_ID")
		}
		return revokeKey(ctx, adm, fs.Arg(0), stdout)
	}
	fmt.Fprint(stderr, sourceUsage)
	return fmt.Errorf("unknown source command %q", args[0])
}

// runRoleKey is "candor operator|reviewer|subject key WHO": it makes an
// API key for a person in role (for a subject, WHO is its ID or
// scheme:value) and prints the token alone on stdout, so that it can be
// redirected into a key file.
func runRoleKey(ctx context.Context, role candor.Role, command string, args []string, stdout, stderr io.Writer) error {
	what := "NAME"
	if role == candor.RoleSubject {
		what = "SUBJECT (an ID, or scheme:value on the store)"
	}
	usage := fmt.Sprintf("Usage: candor %s key %s\n", command, what) + adminWhere
	if len(args) == 0 || args[0] != "key" {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	fs := flag.NewFlagSet(command+" key", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := app.Defaults()
	app.Register(fs, &cfg, app.StoreSettings|app.AdminSettings)
	if err := app.ParseFlags(fs, reorder(args[1:])); err != nil {
		return err
	}
	if fs.NArg() != 1 || strings.TrimSpace(fs.Arg(0)) == "" {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	adm, inst, closeAdm, err := openAdmin(cfg)
	if err != nil {
		return err
	}
	defer closeAdm()
	principal := fs.Arg(0)
	if role == candor.RoleSubject && strings.Contains(principal, ":") {
		if inst == nil {
			return fmt.Errorf("%q: with --server, name the subject by its ID (the API never takes identifiers in a URL or a key's name)", principal)
		}
		id, err := resolveSubjectArg(ctx, inst, principal)
		if err != nil {
			return err
		}
		principal = id.String()
	}
	return issueKey(ctx, adm, role, principal, stdout, stderr)
}

// issueKey issues a key and prints its token alone on stdout.
func issueKey(ctx context.Context, adm administration, role candor.Role, principal string, stdout, stderr io.Writer) error {
	token, key, err := adm.IssueKey(ctx, role, principal)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	fmt.Fprintf(stderr, "(key %s, the %s key of %s, is shown once: keep it in a file only its holder can read)\n", key.ID, role, key.Principal)
	return nil
}

func sourceKindNames() []string {
	var names []string
	for _, k := range candor.SourceKinds() {
		names = append(names, k.String())
	}
	return names
}

func revokeKey(ctx context.Context, adm administration, id string, stdout io.Writer) error {
	key, revoked, err := adm.RevokeKey(ctx, id)
	if err != nil {
		return err
	}
	if !revoked {
		fmt.Fprintf(stdout, "key %s was already revoked at %s\n", id, key.RevokedAt.Format(time.RFC3339))
		return nil
	}
	fmt.Fprintf(stdout, "key %s of %s %s revoked\n", id, key.Role, key.Principal)
	return nil
}

// activeKeys counts the keys of principal in role, and those not revoked.
func activeKeys(keys []*candor.APIKey, role candor.Role, principal string) (active, all int) {
	for _, k := range keys {
		if k.Role == role && k.Principal == principal {
			all++
			if !k.Revoked() {
				active++
			}
		}
	}
	return active, all
}

func listSources(ctx context.Context, adm administration, stdout io.Writer) error {
	sources, err := adm.Sources(ctx)
	if err != nil {
		return err
	}
	keys, err := adm.Keys(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tKIND\tTYPES\tKEYS (active/all)\tNAME")
	for _, s := range sources {
		active, all := activeKeys(keys, candor.RoleSource, s.ID)
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d/%d\t%s\n", s.ID, s.Kind, len(s.AllowedTypes), active, all, s.Name)
	}
	tw.Flush()
	fmt.Fprintln(stdout)
	tw = tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tROLE\tPRINCIPAL\tCREATED\tREVOKED")
	sort.Slice(keys, func(i, j int) bool { return keys[i].CreatedAt.Before(keys[j].CreatedAt) })
	for _, k := range keys {
		revoked := "-"
		if k.Revoked() {
			revoked = k.RevokedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Role, k.Principal, k.CreatedAt.Format(time.RFC3339), revoked)
	}
	return tw.Flush()
}
