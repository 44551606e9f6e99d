package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/app"
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

// openAdmin returns the administration cfg chooses and what closes it:
// on the store (the store settings), or through a running server's API
// with an operator's key (--server, --key-file); inst is nil with
// --server.
func openAdmin(cfg app.Config) (adm administration, inst *app.Installation, closeIt func(), err error) {
	if cfg.Admin.Server == "" {
		if cfg.Admin.OperatorKeyFile != "" {
			return nil, nil, nil, fmt.Errorf("--key-file is for --server: on the store, the data directory's master key is what authorises")
		}
		inst, err := app.Open(cfg.Store, slog.New(slog.DiscardHandler))
		if err != nil {
			return nil, nil, nil, err
		}
		return inst.Registrar(), inst, func() { inst.Close() }, nil
	}
	if cfg.Admin.OperatorKeyFile == "" {
		return nil, nil, nil, fmt.Errorf("--server needs --key-file, the operator's API key file")
	}
	token, err := readKeyFile(cfg.Admin.OperatorKeyFile)
	if err != nil {
		return nil, nil, nil, err
	}
	c, err := httpapi.NewAdminClient(cfg.Admin.Server, token, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	return c, nil, func() {}, nil
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
