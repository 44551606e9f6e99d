package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/decisions"
	"github.com/candor-project/candor/httpapi"
	"github.com/candor-project/candor/registrar"
)

// administration is the operator's administration: registrar.Service on
// the store, or httpapi.AdminClient against a running server (--server).
type administration interface {
	PutSource(ctx context.Context, src *candor.Source) error
	Sources(ctx context.Context) ([]*candor.Source, error)
	PutRelyingParty(ctx context.Context, rp *candor.RelyingParty) error
	RelyingParties(ctx context.Context) ([]*candor.RelyingParty, error)
	Keys(ctx context.Context) ([]*candor.APIKey, error)
	IssueKey(ctx context.Context, role candor.Role, principal string) (string, *candor.APIKey, error)
	RevokeKey(ctx context.Context, id string) (*candor.APIKey, bool, error)
}

var (
	_ administration = (*registrar.Service)(nil)
	_ administration = (*httpapi.AdminClient)(nil)
)

// adminFlags choose where an administrative command acts: on the store
// (the store flags), or through a running server's API with an
// operator's key (--server, --key-file).
type adminFlags struct {
	storeFlags
	server, keyFile string
}

func (f *adminFlags) register(fs *flag.FlagSet) {
	f.storeFlags.register(fs)
	fs.StringVar(&f.server, "server", env("CANDOR_SERVER", ""),
		"act through the API of the running server at this URL (https://candor.example:8080) rather than on the store (env CANDOR_SERVER)")
	fs.StringVar(&f.keyFile, "key-file", env("CANDOR_OPERATOR_KEY_FILE", ""),
		"with --server: the file holding the operator's API key, readable by its owner only (env CANDOR_OPERATOR_KEY_FILE)")
}

// open returns the administration the flags choose and what closes it;
// inst is nil with --server.
func (f *adminFlags) open() (adm administration, inst *installation, closeIt func(), err error) {
	if f.server == "" {
		if f.keyFile != "" {
			return nil, nil, nil, fmt.Errorf("--key-file is for --server: on the store, the data directory's master key is what authorises")
		}
		inst, err := f.storeFlags.open(slog.New(slog.DiscardHandler))
		if err != nil {
			return nil, nil, nil, err
		}
		return inst.registrar(), inst, func() { inst.store.Close() }, nil
	}
	if f.keyFile == "" {
		return nil, nil, nil, fmt.Errorf("--server needs --key-file, the operator's API key file")
	}
	token, err := readKeyFile(f.keyFile)
	if err != nil {
		return nil, nil, nil, err
	}
	c, err := httpapi.NewAdminClient(f.server, token, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	return c, nil, func() {}, nil
}

// registrar returns the operator's administration on the store.
func (inst *installation) registrar() *registrar.Service {
	return registrar.New(inst.store, inst.cat, decisions.New(inst.store, inst.vault, inst.cat, nil, nil), nil)
}

// readKeyFile returns the API key held in file, which only its owner may
// read.
func readKeyFile(file string) (string, error) {
	fi, err := os.Stat(file)
	if err != nil {
		return "", err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%s can be read by others (mode %v): an API key file must be private; chmod 600 %s", file, fi.Mode().Perm(), file)
	}
	token, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(token)), nil
}
