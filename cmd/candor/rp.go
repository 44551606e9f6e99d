package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
)

const rpUsage = `Usage:
  candor rp add --id ID --name NAME --purposes P1,P2 [--statutory court_enforcement]   (purposes: %s)
  candor rp list
  candor rp key RP_ID          make a new API key for a relying party (the token is shown once)
  candor rp revoke KEY_ID      revoke an API key at once
` + adminWhere

func purposeNames() string {
	var names []string
	for _, p := range candor.Purposes() {
		names = append(names, p.String())
	}
	return strings.Join(names, ", ")
}

func parsePurposes(flagName, list string) ([]candor.Purpose, error) {
	names := strings.Split(list, ",")
	for i := range names {
		names[i] = strings.TrimSpace(names[i])
	}
	return candor.ParsePurposes(flagName, names)
}

// runRelyingParty manages relying parties: who may ask for decisions, for
// which purposes.
func runRelyingParty(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintf(stderr, rpUsage, purposeNames())
		return flag.ErrHelp
	}
	fs := flag.NewFlagSet("rp "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := app.Defaults()
	app.Register(fs, &cfg, app.StoreSettings|app.AdminSettings)
	var id, name, purposes, statutory string
	if args[0] == "add" {
		fs.StringVar(&id, "id", "", "relying party id: lower-case letters, digits and _")
		fs.StringVar(&name, "name", "", "display name, shown to the people it asks about")
		fs.StringVar(&purposes, "purposes", "", "comma-separated purposes it may ask for decisions for: "+purposeNames())
		fs.StringVar(&statutory, "statutory", "", "purposes the law lets it pursue without consent, looking subjects up by identifier (only court_enforcement)")
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
		rp := &candor.RelyingParty{ID: id, Name: name}
		if rp.Purposes, err = parsePurposes("--purposes", purposes); err != nil {
			return err
		}
		if statutory != "" {
			if rp.Statutory, err = parsePurposes("--statutory", statutory); err != nil {
				return err
			}
		}
		if err := adm.PutRelyingParty(ctx, rp); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "relying party %s added for %s; make a key with: candor rp key %s\n", id, purposes, id)
		return nil
	case "list":
		return listRelyingParties(ctx, adm, stdout)
	case "key":
		if fs.NArg() != 1 {
			return fmt.Errorf("usage: candor rp key RP_ID")
		}
		return issueKey(ctx, adm, candor.RoleRelyingParty, fs.Arg(0), stdout, stderr)
	case "revoke":
		if fs.NArg() != 1 {
			return fmt.Errorf("usage: candor rp revoke KEY_ID")
		}
		return revokeKey(ctx, adm, fs.Arg(0), stdout)
	}
	fmt.Fprintf(stderr, rpUsage, purposeNames())
	return fmt.Errorf("unknown rp command %q", args[0])
}

func listRelyingParties(ctx context.Context, adm administration, stdout io.Writer) error {
	rps, err := adm.RelyingParties(ctx)
	if err != nil {
		return err
	}
	keys, err := adm.Keys(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RELYING PARTY\tPURPOSES\tKEYS (active/all)\tNAME")
	for _, rp := range rps {
		active, all := activeKeys(keys, candor.RoleRelyingParty, rp.ID)
		var ps []string
		for _, p := range rp.Purposes {
			ps = append(ps, p.String())
		}
		fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%s\n", rp.ID, strings.Join(ps, ","), active, all, rp.Name)
	}
	return tw.Flush()
}
