package app_test

import (
	"bufio"
	"flag"
	"io"
	"maps"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/candor-project/candor/app"
	"github.com/jackc/pgx/v5/pgconn"
	"go.yaml.in/yaml/v3"
)

// TestDeployFiles: the settings deploy/ gives Candor (the compose file's
// environment, the image's ENV, the systemd unit's Environment=) are all
// real settings, parse, and together pass the checks candor serve makes;
// the compose file (over the image) runs Candor on PostgreSQL with its keyring in another
// server, every password file it mounts is one .gitignore keeps out of
// the repository, and each pgpass file a URL names is mounted.
func TestDeployFiles(t *testing.T) {
	var compose struct {
		Services map[string]struct {
			Environment map[string]string
			Secrets     []string
		}
		Secrets map[string]struct{ File string }
	}
	if err := yaml.Unmarshal(readDeploy(t, "compose.yaml"), &compose); err != nil {
		t.Fatal(err)
	}
	candor, ok := compose.Services["candor"]
	if !ok {
		t.Fatal("compose.yaml: no candor service")
	}
	image := linesWith(t, "Containerfile", "ENV ", "    ")
	t.Run("Containerfile", func(t *testing.T) { serveConfig(t, "Containerfile", image) })
	t.Run("candor.service", func(t *testing.T) { serveConfig(t, "candor.service", linesWith(t, "candor.service", "Environment=")) })
	// The compose file's environment over the image's.
	env := maps.Clone(image)
	maps.Copy(env, candor.Environment)
	cfg := serveConfig(t, "compose.yaml", env)
	store, err := pgconn.ParseConfig(cfg.Store.Store)
	if err != nil || cfg.Store.Keyring == "" {
		t.Fatalf("compose.yaml: store %q (%v), keyring %q: want Candor on PostgreSQL with a keyring URL", cfg.Store.Store, err, cfg.Store.Keyring)
	}
	keys, err := pgconn.ParseConfig(cfg.Store.Keyring)
	if err != nil || keys.Host == store.Host {
		t.Errorf("compose.yaml: keyring on %q (%v), data on %q: want the keyring in another server", keys.Host, err, store.Host)
	}
	for _, u := range []string{cfg.Store.Store, cfg.Store.Keyring} {
		pu, _ := url.Parse(u)
		secret, found := strings.CutPrefix(pu.Query().Get("passfile"), "/run/secrets/")
		if !found || !slices.Contains(candor.Secrets, secret) {
			t.Errorf("compose.yaml: %s: its passfile is not a secret the candor service mounts (%v)", u, candor.Secrets)
		}
	}
	ignored := gitignored(t)
	for name, s := range compose.Secrets {
		file := "/deploy/" + path.Clean(s.File)
		if !slices.ContainsFunc(ignored, func(pattern string) bool { ok, _ := path.Match(pattern, file); return ok }) {
			t.Errorf("compose.yaml: secret %s's file %s is not in .gitignore: a password could be committed", name, file)
		}
	}
}

// serveConfig parses env, CANDOR_* variables from a deploy file, as
// candor serve does, and fails the test for a variable that is not a
// setting or a configuration serve would refuse.
func serveConfig(t *testing.T, file string, env map[string]string) app.Config {
	t.Helper()
	if len(env) == 0 {
		t.Fatalf("%s: no CANDOR_* settings found", file)
	}
	known := map[string]bool{}
	for _, s := range app.Settings() {
		known[s.Env] = true
	}
	for name, value := range env {
		if !known[name] {
			t.Errorf("%s: %s is not a setting of Candor's", file, name)
		}
		t.Setenv(name, value)
	}
	cfg := app.Defaults()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	app.Register(fs, &cfg, app.StoreSettings|app.ServerSettings|app.LogFormatSettings)
	if err := app.ParseFlags(fs, nil); err != nil {
		t.Errorf("%s: %v", file, err)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("%s: %v", file, err)
	}
	return cfg
}

// linesWith returns the NAME=value pairs of a deploy file's CANDOR_*
// variables on lines that begin with one of prefixes.
func linesWith(t *testing.T, file string, prefixes ...string) map[string]string {
	env := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(readDeploy(t, file))))
	for sc.Scan() {
		for _, p := range prefixes {
			rest, ok := strings.CutPrefix(sc.Text(), p)
			name, value, isVar := strings.Cut(strings.TrimSuffix(strings.TrimSpace(rest), "\\"), "=")
			if ok && isVar && strings.HasPrefix(name, "CANDOR_") {
				env[name] = strings.TrimSpace(value)
			}
		}
	}
	return env
}

func readDeploy(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "deploy", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// gitignored returns the repository's .gitignore patterns.
func gitignored(t *testing.T) []string {
	b, err := os.ReadFile(filepath.Join("..", ".gitignore"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}
