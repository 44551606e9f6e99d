package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/candor-project/candor"
)

const sourceUsage = `Usage:
  candor source add --id ID --name NAME --kind KIND --types T1,T2,...   (a type ending in * matches a prefix: credit.*)
  candor source list
  candor source key SOURCE_ID          make a new API key for a source (the token is shown once)
  candor source revoke KEY_ID          revoke an API key at once
`

func runSource(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, sourceUsage)
		return flag.ErrHelp
	}
	fs := flag.NewFlagSet("source "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	var id, name, kind, types string
	if args[0] == "add" {
		fs.StringVar(&id, "id", "", "source id: lower-case letters, digits and _")
		fs.StringVar(&name, "name", "", "display name")
		fs.StringVar(&kind, "kind", "", "kind: "+strings.Join(sourceKindNames(), ", "))
		fs.StringVar(&types, "types", "", "comma-separated event types the source may post")
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	inst, err := sf.open(slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer inst.store.Close()
	switch args[0] {
	case "add":
		k, ok := candor.ParseSourceKind(kind)
		if !ok {
			return fmt.Errorf("--kind %q: want one of %s", kind, strings.Join(sourceKindNames(), ", "))
		}
		allowed, err := expandTypes(inst.cat, types)
		if err != nil {
			return err
		}
		src := &candor.Source{ID: id, Name: name, Kind: k, AllowedTypes: allowed, CreatedAt: time.Now().UTC()}
		if err := addSource(ctx, inst, src); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "source %s added with %d event types; make a key with: candor source key %s\n", id, len(allowed), id)
		return nil
	case "list":
		return listSources(ctx, inst, stdout)
	case "key":
		if fs.NArg() != 1 {
			return fmt.Errorf("usage: candor source key SOURCE_ID")
		}
		if _, err := inst.store.Source(ctx, fs.Arg(0)); err != nil {
			return fmt.Errorf("source %s: %s", fs.Arg(0), candor.ErrorMessage(err))
		}
		token, err := newKey(ctx, inst, candor.RoleSource, fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, token)
		fmt.Fprintln(stderr, "(shown once: store it now)")
		return nil
	case "revoke":
		if fs.NArg() != 1 {
			return fmt.Errorf("usage: candor source revoke KEY_ID")
		}
		return revokeKey(ctx, inst, fs.Arg(0), stdout)
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
		what = "SUBJECT (an ID or scheme:value)"
	}
	usage := fmt.Sprintf("Usage: candor %s key %s\n", command, what)
	if len(args) == 0 || args[0] != "key" {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	fs := flag.NewFlagSet(command+" key", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	if err := parseFlags(fs, reorder(args[1:])); err != nil {
		return err
	}
	if fs.NArg() != 1 || strings.TrimSpace(fs.Arg(0)) == "" {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	inst, err := sf.open(slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer inst.store.Close()
	principal := fs.Arg(0)
	if role == candor.RoleSubject {
		id, err := resolveSubjectArg(ctx, inst, principal)
		if err != nil {
			return err
		}
		principal = id.String()
	}
	token, err := newKey(ctx, inst, role, principal)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	fmt.Fprintf(stderr, "(the %s key of %s is shown once: keep it in a file only its holder can read)\n", role, principal)
	return nil
}

func sourceKindNames() []string {
	var names []string
	for _, k := range candor.SourceKinds() {
		names = append(names, k.String())
	}
	return names
}

// expandTypes turns a comma-separated list, where "prefix*" matches every
// type with that prefix, into catalogue type names.
func expandTypes(cat *candor.Catalogue, list string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, pat := range strings.Split(list, ",") {
		pat = strings.TrimSpace(pat)
		if pat == "" {
			continue
		}
		n := 0
		for _, t := range cat.Types() {
			if t.Name == pat || strings.HasSuffix(pat, "*") && strings.HasPrefix(t.Name, strings.TrimSuffix(pat, "*")) {
				if !seen[t.Name] {
					out = append(out, t.Name)
					seen[t.Name] = true
				}
				n++
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("--types: %q matches no event type in the catalogue", pat)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--types: name at least one event type")
	}
	return out, nil
}

// addSource validates src against the catalogue and stores it, refusing to
// replace an existing source with another kind.
func addSource(ctx context.Context, inst *installation, src *candor.Source) error {
	if err := src.Validate(inst.cat); err != nil {
		return err
	}
	old, err := inst.store.Source(ctx, src.ID)
	switch {
	case err == nil && old.Kind != src.Kind:
		return fmt.Errorf("source %s exists with kind %s", src.ID, old.Kind)
	case err == nil:
		src.CreatedAt = old.CreatedAt
	case candor.ErrorCode(err) != candor.ENOTFOUND:
		return err
	}
	return inst.store.PutSource(ctx, src)
}

func newKey(ctx context.Context, inst *installation, role candor.Role, principal string) (string, error) {
	token, key := candor.NewAPIKey(role, principal, time.Now())
	if err := inst.store.PutKey(ctx, key); err != nil {
		return "", err
	}
	return token, nil
}

func revokeKey(ctx context.Context, inst *installation, id string, stdout io.Writer) error {
	key, err := inst.store.Key(ctx, id)
	if err != nil {
		return fmt.Errorf("key %s: %s", id, candor.ErrorMessage(err))
	}
	if key.Role == candor.RolePolicyAdmin {
		return fmt.Errorf("key %s is a policy administrator's: an administrator revokes it, as an administrative act, with candor policy revoke-key %s --key-file KEY", id, id)
	}
	if key.Revoked() {
		fmt.Fprintf(stdout, "key %s was already revoked at %s\n", id, key.RevokedAt.Format(time.RFC3339))
		return nil
	}
	key.RevokedAt = time.Now().UTC()
	if err := inst.store.PutKey(ctx, key); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "key %s of %s %s revoked\n", id, key.Role, key.Principal)
	return nil
}

func listSources(ctx context.Context, inst *installation, stdout io.Writer) error {
	sources, err := inst.store.Sources(ctx)
	if err != nil {
		return err
	}
	keys, err := inst.store.Keys(ctx)
	if err != nil {
		return err
	}
	byPrincipal := map[string][]*candor.APIKey{}
	for _, k := range keys {
		if k.Role == candor.RoleSource {
			byPrincipal[k.Principal] = append(byPrincipal[k.Principal], k)
		}
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tKIND\tTYPES\tKEYS (active/all)\tNAME")
	for _, s := range sources {
		ks := byPrincipal[s.ID]
		active := 0
		for _, k := range ks {
			if !k.Revoked() {
				active++
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d/%d\t%s\n", s.ID, s.Kind, len(s.AllowedTypes), active, len(ks), s.Name)
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
