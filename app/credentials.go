package app

import (
	"path/filepath"

	"github.com/candor-project/candor/credentials"
	"github.com/candor-project/candor/identity"
	"github.com/candor-project/candor/scoring"
)

// newCredentials returns the credential service of a server on addr,
// making its statements under the scorecards published serves.
func newCredentials(inst *Installation, f CredentialsConfig, addr string, published *scoring.Published, access credentials.IssuanceLog, links *identity.Service) (*credentials.Service, error) {
	keyFile := f.KeyFile
	if keyFile == "" {
		keyFile = filepath.Clean(inst.Data) + ".issuer.key"
	}
	key, err := credentials.LoadOrCreateKey(keyFile)
	if err != nil {
		return nil, err
	}
	issuer := f.IssuerURL
	if issuer == "" {
		issuer = "http://" + addr
	}
	return credentials.New(credentials.Config{Store: inst.Store, Vault: inst.Vault, Catalogue: inst.Catalogue, Scorecards: published,
		Key: key, Issuer: issuer, Access: access, Groups: links}), nil
}
