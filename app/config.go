package app

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/candor-project/candor"
	"github.com/candor-project/candor/internal/edge"
	"github.com/candor-project/candor/pebble"
	"github.com/candor-project/candor/tlog"
)

// Config is everything Candor is assembled from: each field is one
// setting of the table (Settings), a flag and a CANDOR_* variable.
type Config struct {
	Store  StoreConfig
	TLog   TLogConfig
	Server ServerConfig
	Admin  AdminConfig
	// LogFormat is the process log's format: json or text (empty: text).
	LogFormat string
}

// StoreConfig says where an installation's data and keys are.
type StoreConfig struct {
	Data          string // the data directory
	Store         string // a postgres:// URL; empty: Pebble in Data
	MasterKeyFile string // empty: <Data>.master.key
	// Keyring is where the subjects' wrapped data keys are kept, apart
	// from the data: a directory (empty: <Data>.keyring) with the
	// embedded store; a postgres:// URL with PostgreSQL (empty: the
	// store's database, schema candor_keyring).
	Keyring string
	// KeyringRetention is how long keyring backups are kept (0:
	// DefaultKeyringRetention).
	KeyringRetention time.Duration
	Catalogue        string // a catalogue file replacing the shipped one; empty: the shipped one
	// CacheSize is the embedded store's block cache in MiB (0:
	// pebble.DefaultCacheSize, 128 MiB), memtables included
	// (pebble.Options.CacheSize); PostgreSQL ignores it.
	CacheSize int
}

// TLogConfig configures the transparency log.
type TLogConfig struct {
	Origin            string // the checkpoints' first line; empty: tlog's default
	KeyFile           string // the checkpoint signing key; empty: <data>.log.key
	WitnessPolicyFile string // a witness policy to have checkpoints cosigned; empty: none
}

// ServerConfig configures a node: its listeners, its portal, its
// periodic jobs, its credential issuer and NATS ingestion. Its zero
// value, with an Addr, runs a node with no periodic purge or dispute
// check.
type ServerConfig struct {
	Addr, DebugAddr string
	// SubjectCache is how many subjects' keys ingestion keeps (0: its default).
	SubjectCache  int
	SecureCookies bool
	OIDC          OIDCConfig
	// DemoSignIn turns on the portal's demo sign-in links (candor demo).
	DemoSignIn bool
	// PurgeEvery is the interval of retention passes (0: none).
	PurgeEvery time.Duration
	// DisputeCheck is how often disputes past their deadline are settled (0: never).
	DisputeCheck time.Duration
	// LeaseTTL is how long a dead node's singleton work waits for another
	// node to take it over (0: 30s).
	LeaseTTL    time.Duration
	Credentials CredentialsConfig
	// KeyringBackupDir, if set, is where the node copies the keyring
	// every KeyringBackupEvery, deleting copies older than the
	// retention (BackupKeyring).
	KeyringBackupDir   string
	KeyringBackupEvery time.Duration
	// DecisionKeyFile is the Ed25519 key decision answers are signed
	// with (empty: <data>.decision.key).
	DecisionKeyFile string
	NATS            NATSConfig
	Ops             OpsConfig
	Stats           StatsConfig
}

// StatsConfig sets the statistics' privacy budgets: ε as decimals ("":
// stats' defaults, 10, 1 and 50), and how often a node looks for a
// monthly release to publish.
type StatsConfig struct {
	AnalystEpsilon, ReleaseEpsilon, ConsoleEpsilon string
	// ReleaseEvery is how often the lease holder publishes the last
	// month's release if it is not out yet, the first time one interval
	// after start (0: only when an operator asks).
	ReleaseEvery time.Duration
}

// epsilons returns the budgets in millionths (0 for the defaults).
func (s StatsConfig) epsilons() (analyst, release, console int64, err error) {
	if analyst, err = epsilon(s.AnalystEpsilon); err != nil {
		return
	}
	if release, err = epsilon(s.ReleaseEpsilon); err != nil {
		return
	}
	console, err = epsilon(s.ConsoleEpsilon)
	return
}

// epsilon reads a budget ("": 0, the default).
func epsilon(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	e, err := candor.ParseEpsilon(v)
	if err == nil && e <= 0 {
		err = fmt.Errorf("epsilon %s: want more than 0", v)
	}
	return e, err
}

// checkEpsilon checks the budget field returns.
func checkEpsilon(field func(*Config) string) func(*Config) error {
	return func(c *Config) error {
		_, err := epsilon(field(c))
		return err
	}
}

// OIDCConfig signs people in to the portal with an OpenID Connect provider.
type OIDCConfig struct {
	Issuer, ClientID, ClientSecretFile, RedirectURL, Claim string
	Scheme                                                 string // an identifier scheme's name; empty: national_id
}

// CredentialsConfig configures the credential issuer.
type CredentialsConfig struct {
	KeyFile   string // empty: <data>.issuer.key
	IssuerURL string // empty: http://<addr>
}

// NATSConfig configures ingestion from NATS JetStream (none without URL).
type NATSConfig struct {
	URL, CredsFile, Stream, Subjects, DeadLetter, DeadLetterSubjects string
	AckWait                                                          time.Duration
}

// OpsConfig configures how a node meets the network: TLS, trusted
// proxies, the metrics address and draining on shutdown.
type OpsConfig struct {
	TLSCertFile, TLSKeyFile, TrustedProxies, MetricsAddr string
	DrainDelay                                           time.Duration
	// QuietRequests leaves out the request log (candor demo); failed
	// authentications and sign-ins are still logged.
	QuietRequests bool
}

// AdminConfig chooses where an administrative command acts: on the
// store, or through a running server's API (Server) with a key.
type AdminConfig struct {
	Server          string
	OperatorKeyFile string // an operator's API key file (source, rp, ... key)
	PolicyKeyFile   string // a policy administrator's API key file (policy ...)
}

// DefaultLeaseTTL is how long, by default, the jobs' lease outlives its
// holder's last renewal.
const DefaultLeaseTTL = 30 * time.Second

// Defaults returns the configuration with every setting at its default
// (the CANDOR_* variables are not read: ParseFlags does that).
func Defaults() Config {
	return Config{
		Store: StoreConfig{Data: "./candor-data", KeyringRetention: DefaultKeyringRetention},
		TLog:  TLogConfig{Origin: tlog.DefaultOrigin},
		Server: ServerConfig{
			Addr:               "127.0.0.1:8080",
			OIDC:               OIDCConfig{Claim: "national_id"},
			PurgeEvery:         24 * time.Hour,
			DisputeCheck:       time.Hour,
			LeaseTTL:           DefaultLeaseTTL,
			KeyringBackupEvery: 24 * time.Hour,
			Stats:              StatsConfig{ReleaseEvery: 6 * time.Hour},
			NATS: NATSConfig{Stream: "CANDOR_EVENTS", Subjects: "candor.events", DeadLetter: "CANDOR_DEAD_LETTER",
				DeadLetterSubjects: "candor.dead", AckWait: 30 * time.Second},
		},
		LogFormat: "json",
	}
}

// Validate checks every setting, returning an error that names the flag
// and the variable of the first bad one.
func (c *Config) Validate() error { return c.validate(^Group(0)) }

// Validate checks the store's settings.
func (c StoreConfig) Validate() error {
	return (&Config{Store: c}).validate(StoreSettings)
}

// validate checks the settings of groups, then those that go together.
func (c *Config) validate(groups Group) error {
	for _, s := range settings {
		if s.Groups&groups == 0 || s.check == nil {
			continue
		}
		if err := s.check(c); err != nil {
			return fmt.Errorf("--%s (%s): %w", s.Flag, s.Env, err)
		}
	}
	if groups&ServerSettings != 0 && (c.Server.Ops.TLSCertFile == "") != (c.Server.Ops.TLSKeyFile == "") {
		return errors.New("--tls-cert-file and --tls-key-file go together (CANDOR_TLS_CERT_FILE, CANDOR_TLS_KEY_FILE)")
	}
	return nil
}

// checks of single settings, for the table.

func checkStoreURL(c *Config) error {
	if c.Store.Store != "" && !IsPostgresURL(c.Store.Store) {
		return errors.New("want a postgres:// or postgresql:// URL, or nothing for the embedded store")
	}
	return nil
}

func checkKeyring(c *Config) error {
	switch k := c.Store.Keyring; {
	case k == "":
	case c.Store.Store == "" && IsPostgresURL(k):
		return errors.New("the embedded store keeps its keyring in a directory: want a path")
	case c.Store.Store != "" && !IsPostgresURL(k):
		return errors.New("the PostgreSQL store keeps its keyring in PostgreSQL: want a postgres:// URL, or nothing for the store's database")
	case c.Store.Store == "" && filepath.Clean(k) == filepath.Clean(c.Store.Data):
		return errors.New("the keyring must not be the data dir: a backup of the data would hold the keys")
	}
	return nil
}

func checkKeyringRetention(c *Config) error {
	if c.Store.KeyringRetention < 0 {
		return fmt.Errorf("%s: want a positive duration, such as 840h (35 days)", c.Store.KeyringRetention)
	}
	return nil
}

func checkKeyringBackup(c *Config) error {
	switch {
	case c.Server.KeyringBackupDir == "":
	case c.Store.Store != "":
		return errors.New("the PostgreSQL keyring is backed up with PostgreSQL's tools (docs/operations.md)")
	case c.Server.KeyringBackupEvery <= 0:
		return errors.New("--keyring-backup-every must be positive")
	}
	return nil
}

func checkLeaseTTL(c *Config) error {
	if d := c.Server.LeaseTTL; d != 0 && d < 300*time.Millisecond {
		return fmt.Errorf("%s: want at least 300ms", d)
	}
	return nil
}

// --cache-size bounds (MiB): Pebble takes the store's memtables (two of
// 16 MiB as a rule) out of the block cache, so below 64 MiB it would
// cache little; 64 GiB is more than a node is sized for.
const (
	minCacheSize = 64
	maxCacheSize = 64 << 10
)

func checkCacheSize(c *Config) error {
	if n := c.Store.CacheSize; n != 0 && (n < minCacheSize || n > maxCacheSize) {
		return fmt.Errorf("%d: want 0 (the default, %d MiB) or %d to %d MiB: the store's memtables take 32 MiB of it", n, pebble.DefaultCacheSize>>20, minCacheSize, maxCacheSize)
	}
	return nil
}

func checkSubjectCache(c *Config) error {
	if c.Server.SubjectCache < 0 {
		return fmt.Errorf("%d: want 0 (the default) or more", c.Server.SubjectCache)
	}
	return nil
}

func checkProxies(c *Config) error {
	_, err := edge.ParseProxies(c.Server.Ops.TrustedProxies)
	return err
}

func checkOIDCScheme(c *Config) error {
	name := c.Server.OIDC.Scheme
	if name == "" {
		return nil
	}
	s, ok := candor.ParseScheme(name)
	if !ok {
		return fmt.Errorf("%q: want one of %s", name, strings.Join(candor.Schemes().Names(), ", "))
	}
	if !s.AppliesTo(candor.Person) {
		return fmt.Errorf("%q names organisations, not the persons who sign in", name)
	}
	return nil
}

func checkLogFormat(c *Config) error {
	switch c.LogFormat {
	case "", "json", "text":
		return nil
	}
	return fmt.Errorf("%q: want json or text", c.LogFormat)
}
