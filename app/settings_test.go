package app_test

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/candor-project/candor/app"
)

// TestParseFlagsFromEnvironment: a CANDOR_* variable sets the flag whose
// usage names it, through the flag's own parser; the command line wins;
// a bad value is an error naming the variable, never a silent default.
func TestParseFlagsFromEnvironment(t *testing.T) {
	newSet := func() (*flag.FlagSet, *time.Duration, *int, *bool) {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		d := fs.Duration("every", time.Hour, "how often (env CANDOR_TEST_EVERY)")
		n := fs.Int("cache", 0, "how many (env CANDOR_TEST_CACHE; 0: the default)")
		b := fs.Bool("secure", false, "mark it (env CANDOR_TEST_SECURE=true)")
		return fs, d, n, b
	}
	t.Setenv("CANDOR_TEST_EVERY", "2h")
	t.Setenv("CANDOR_TEST_CACHE", "5000")
	t.Setenv("CANDOR_TEST_SECURE", "true")
	fs, d, n, b := newSet()
	if err := app.ParseFlags(fs, []string{"--cache", "7"}); err != nil {
		t.Fatal(err)
	}
	if *d != 2*time.Hour || *n != 7 || !*b {
		t.Errorf("every %s, cache %d, secure %v: want 2h from the environment, 7 from the command line, true", *d, *n, *b)
	}

	for name, value := range map[string]string{"CANDOR_TEST_EVERY": "daily", "CANDOR_TEST_CACHE": "lots", "CANDOR_TEST_SECURE": "yes please"} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, value)
			fs, _, _, _ := newSet()
			err := app.ParseFlags(fs, nil)
			if err == nil || !strings.Contains(err.Error(), name+"=") || !strings.Contains(err.Error(), value) {
				t.Errorf("%s=%s: %v, want an error naming the variable and its value", name, value, err)
			}
		})
	}
}

// TestSettingsTable: every setting names its variable in its usage, as
// ParseFlags reads it, and no command would get one flag twice.
func TestSettingsTable(t *testing.T) {
	groups := []app.Group{app.StoreSettings, app.TLogSettings, app.ServerSettings, app.AdminSettings,
		app.PolicySettings, app.CatalogueSettings, app.LogFormatSettings}
	for _, s := range app.Settings() {
		if !strings.HasPrefix(s.Env, "CANDOR_") || !strings.Contains(s.Usage, "(env "+s.Env) {
			t.Errorf("--%s: its usage does not name %s as \"(env %s\": %q", s.Flag, s.Env, s.Env, s.Usage)
		}
	}
	for _, g := range []app.Group{
		app.StoreSettings | app.ServerSettings | app.LogFormatSettings, // serve, demo
		app.StoreSettings | app.TLogSettings,                           // audit, features
		app.StoreSettings | app.AdminSettings,                          // source, rp, ... key
		app.StoreSettings | app.PolicySettings,                         // policy
		app.CatalogueSettings,                                          // policy diff
	} {
		cfg := app.Defaults()
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		app.Register(fs, &cfg, g) // panics on a flag defined twice
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n == 0 {
			t.Errorf("groups %b: no flags", g)
		}
	}
	for _, g := range groups {
		found := false
		for _, s := range app.Settings() {
			found = found || s.Groups&g != 0
		}
		if !found {
			t.Errorf("group %b has no setting", g)
		}
	}
}

// TestValidateNamesTheVariable: a value the flag parses but Candor cannot
// use is an error naming the flag and the variable, whether it came from
// the command line or the environment.
func TestValidateNamesTheVariable(t *testing.T) {
	for _, tc := range []struct{ env, value, want string }{
		{"CANDOR_LEASE_TTL", "100ms", "--lease-ttl (CANDOR_LEASE_TTL)"},
		{"CANDOR_STORE", "mysql://x", "--store (CANDOR_STORE)"},
		{"CANDOR_TRUSTED_PROXIES", "not-an-address", "--trusted-proxies (CANDOR_TRUSTED_PROXIES)"},
		{"CANDOR_SUBJECT_CACHE", "-5", "--subject-cache (CANDOR_SUBJECT_CACHE)"},
		{"CANDOR_CACHE_SIZE", "-1", "--cache-size (CANDOR_CACHE_SIZE)"},
		{"CANDOR_CACHE_SIZE", "32", "--cache-size (CANDOR_CACHE_SIZE)"},
		{"CANDOR_CACHE_SIZE", "100000", "--cache-size (CANDOR_CACHE_SIZE)"},
		{"CANDOR_LOG_FORMAT", "xml", "--log-format (CANDOR_LOG_FORMAT)"},
		{"CANDOR_OIDC_SCHEME", "passport_nr", "--oidc-scheme (CANDOR_OIDC_SCHEME)"},
		{"CANDOR_OIDC_SCHEME", "ru_ogrn", "--oidc-scheme (CANDOR_OIDC_SCHEME)"},
		{"CANDOR_STATS_ANALYST_EPSILON", "1e3", "--stats-analyst-epsilon (CANDOR_STATS_ANALYST_EPSILON)"},
		{"CANDOR_STATS_CONSOLE_EPSILON", "0", "--stats-console-epsilon (CANDOR_STATS_CONSOLE_EPSILON)"},
		{"CANDOR_TLS_CERT_FILE", "cert.pem", "CANDOR_TLS_KEY_FILE"},
	} {
		t.Run(tc.env, func(t *testing.T) {
			t.Setenv(tc.env, tc.value)
			cfg := app.Defaults()
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			app.Register(fs, &cfg, app.StoreSettings|app.ServerSettings|app.LogFormatSettings)
			if err := app.ParseFlags(fs, nil); err != nil {
				t.Fatal(err)
			}
			err := cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s=%s: %v, want an error naming %s", tc.env, tc.value, err, tc.want)
			}
		})
	}
	cfg := app.Defaults()
	if err := cfg.Validate(); err != nil {
		t.Errorf("the defaults: %v", err)
	}
}
