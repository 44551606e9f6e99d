package app

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"time"

	"github.com/candor-project/candor/httpapi"
	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/pebble"
)

// Group is a set of settings that commands take together.
type Group uint

const (
	// StoreSettings: the data dir, the store, the master key, the
	// catalogue (every command that opens an installation).
	StoreSettings Group = 1 << iota
	// TLogSettings: the transparency log (commands that open it).
	TLogSettings
	// ServerSettings: a node (candor serve, candor demo); with them go
	// TLogSettings.
	ServerSettings
	// AdminSettings: acting through a server with an operator's key.
	AdminSettings
	// PolicySettings: acting as a policy administrator, on the store or
	// through a server.
	PolicySettings
	// CatalogueSettings: the catalogue alone (candor policy diff).
	CatalogueSettings
	// LogFormatSettings: the process log's format.
	LogFormatSettings
)

// A Setting is one row of the table: a flag, the CANDOR_* variable that
// sets it (named in its usage as "(env NAME", which ParseFlags reads), the
// Config field it sets, and a check of its value, if any beyond the
// flag's own parsing. Each setting is declared here once; every command
// that takes it registers it from here (Register).
type Setting struct {
	Flag   string
	Env    string
	Usage  string
	Groups Group
	// field points into a Config: *string, *int, *bool or *time.Duration.
	field func(*Config) any
	// check is nil if every value the flag parses is good.
	check func(*Config) error
}

// Settings returns the table.
func Settings() []Setting { return append([]Setting(nil), settings...) }

var settings = []Setting{
	{Flag: "data", Env: "CANDOR_DATA", Groups: StoreSettings, Usage: "data directory (env CANDOR_DATA)",
		field: func(c *Config) any { return &c.Store.Data }},
	{Flag: "store", Env: "CANDOR_STORE", Groups: StoreSettings, check: checkStoreURL,
		Usage: "a postgres:// URL to keep the data in PostgreSQL, shared by every node; empty: the embedded store in the data directory, which then holds only the log's tiles and default key files (env CANDOR_STORE)",
		field: func(c *Config) any { return &c.Store.Store }},
	{Flag: "master-key-file", Env: "CANDOR_MASTER_KEY_FILE", Groups: StoreSettings,
		Usage: "master key file, created with mode 0600 if absent (env CANDOR_MASTER_KEY_FILE; default <data>.master.key, outside the data dir)",
		field: func(c *Config) any { return &c.Store.MasterKeyFile }},
	{Flag: "keyring", Env: "CANDOR_KEYRING", Groups: StoreSettings, check: checkKeyring,
		Usage: "where subjects' wrapped data keys are kept, apart from the data, so that a backup of the data holds none: a directory for the embedded store, a postgres:// URL for PostgreSQL (env CANDOR_KEYRING; default <data>.keyring, or schema candor_keyring of the store's database)",
		field: func(c *Config) any { return &c.Store.Keyring }},
	{Flag: "keyring-retention", Env: "CANDOR_KEYRING_RETENTION", Groups: StoreSettings, check: checkKeyringRetention,
		Usage: "how long keyring backups are kept: an erasure reaches every backup of the data once the keyring backups older than it are deleted (env CANDOR_KEYRING_RETENTION; default 840h, 35 days)",
		field: func(c *Config) any { return &c.Store.KeyringRetention }},
	{Flag: "cache-size", Env: "CANDOR_CACHE_SIZE", Groups: StoreSettings, check: checkCacheSize,
		Usage: "the embedded store's block cache in MiB, at least 64; its memtables (32 MiB as a rule) are taken out of it; the process takes about this plus 110 MiB (docs/operations.md, Sizing memory) (env CANDOR_CACHE_SIZE; 0: " + strconv.Itoa(pebble.DefaultCacheSize>>20) + ")",
		field: func(c *Config) any { return &c.Store.CacheSize }},
	{Flag: "catalogue", Env: "CANDOR_CATALOGUE", Groups: StoreSettings | CatalogueSettings,
		Usage: "event-type catalogue file replacing the shipped one (env CANDOR_CATALOGUE)",
		field: func(c *Config) any { return &c.Store.Catalogue }},

	{Flag: "log-origin", Env: "CANDOR_LOG_ORIGIN", Groups: TLogSettings | ServerSettings,
		Usage: "the transparency log's origin, its checkpoints' first line; it cannot change for a log (env CANDOR_LOG_ORIGIN)",
		field: func(c *Config) any { return &c.TLog.Origin }},
	{Flag: "log-key-file", Env: "CANDOR_LOG_KEY_FILE", Groups: TLogSettings | ServerSettings,
		Usage: "the log's checkpoint signing key, created with mode 0600 if absent (env CANDOR_LOG_KEY_FILE; default <data>.log.key, outside the data dir)",
		field: func(c *Config) any { return &c.TLog.KeyFile }},
	{Flag: "log-witness-policy", Env: "CANDOR_LOG_WITNESS_POLICY_FILE", Groups: TLogSettings | ServerSettings,
		Usage: "file with a witness policy (tlog.Options.WitnessPolicy) to have checkpoints cosigned (env CANDOR_LOG_WITNESS_POLICY_FILE)",
		field: func(c *Config) any { return &c.TLog.WitnessPolicyFile }},

	{Flag: "addr", Env: "CANDOR_ADDR", Groups: ServerSettings, Usage: "listen address (env CANDOR_ADDR)",
		field: func(c *Config) any { return &c.Server.Addr }},
	{Flag: "debug-addr", Env: "CANDOR_DEBUG_ADDR", Groups: ServerSettings,
		Usage: "if set, serve Go's pprof profiles on this address, e.g. 127.0.0.1:6060 (env CANDOR_DEBUG_ADDR; never expose it)",
		field: func(c *Config) any { return &c.Server.DebugAddr }},
	{Flag: "subject-cache", Env: "CANDOR_SUBJECT_CACHE", Groups: ServerSettings, check: checkSubjectCache,
		Usage: "subjects whose keys ingestion keeps in memory, 135-170 bytes each (measured), in two generations of at most this many; at least the number of active subjects (env CANDOR_SUBJECT_CACHE; 0: " + strconv.Itoa(ingest.DefaultCacheSubjects) + ")",
		field: func(c *Config) any { return &c.Server.SubjectCache }},
	{Flag: "issuer-key-file", Env: "CANDOR_ISSUER_KEY_FILE", Groups: ServerSettings,
		Usage: "the ES256 key credentials and the status list are signed with, created with mode 0600 if absent (env CANDOR_ISSUER_KEY_FILE; default <data>.issuer.key, outside the data dir)",
		field: func(c *Config) any { return &c.Server.Credentials.KeyFile }},
	{Flag: "decision-key-file", Env: "CANDOR_DECISION_KEY_FILE", Groups: ServerSettings,
		Usage: "the Ed25519 key decision answers are signed with (published at " + httpapi.DecisionKeysPath + "), created with mode 0600 if absent (env CANDOR_DECISION_KEY_FILE; default <data>.decision.key, outside the data dir)",
		field: func(c *Config) any { return &c.Server.DecisionKeyFile }},
	{Flag: "issuer-url", Env: "CANDOR_ISSUER_URL", Groups: ServerSettings,
		Usage: "the credential issuer's identifier, the public https URL verifiers fetch its keys and status list from (env CANDOR_ISSUER_URL; default http://<addr>)",
		field: func(c *Config) any { return &c.Server.Credentials.IssuerURL }},
	{Flag: "secure-cookies", Env: "CANDOR_SECURE_COOKIES", Groups: ServerSettings,
		Usage: "mark the portal's cookies Secure on plain HTTP, behind a TLS-terminating proxy (env CANDOR_SECURE_COOKIES=true)",
		field: func(c *Config) any { return &c.Server.SecureCookies }},
	{Flag: "oidc-issuer", Env: "CANDOR_OIDC_ISSUER", Groups: ServerSettings,
		Usage: "if set, people sign in to the portal with this OpenID Connect provider (env CANDOR_OIDC_ISSUER)",
		field: func(c *Config) any { return &c.Server.OIDC.Issuer }},
	{Flag: "oidc-client-id", Env: "CANDOR_OIDC_CLIENT_ID", Groups: ServerSettings,
		Usage: "the portal's client ID at the provider (env CANDOR_OIDC_CLIENT_ID)",
		field: func(c *Config) any { return &c.Server.OIDC.ClientID }},
	{Flag: "oidc-client-secret-file", Env: "CANDOR_OIDC_CLIENT_SECRET_FILE", Groups: ServerSettings,
		Usage: "file holding the client secret (env CANDOR_OIDC_CLIENT_SECRET_FILE)",
		field: func(c *Config) any { return &c.Server.OIDC.ClientSecretFile }},
	{Flag: "oidc-redirect-url", Env: "CANDOR_OIDC_REDIRECT_URL", Groups: ServerSettings,
		Usage: "the portal's https://HOST/signin/oidc/callback, as registered (env CANDOR_OIDC_REDIRECT_URL)",
		field: func(c *Config) any { return &c.Server.OIDC.RedirectURL }},
	{Flag: "oidc-claim", Env: "CANDOR_OIDC_CLAIM", Groups: ServerSettings,
		Usage: "the ID-token claim holding the person's identifier (env CANDOR_OIDC_CLAIM)",
		field: func(c *Config) any { return &c.Server.OIDC.Claim }},
	{Flag: "oidc-scheme", Env: "CANDOR_OIDC_SCHEME", Groups: ServerSettings, check: checkOIDCScheme,
		Usage: "the identifier scheme of that claim, such as ru_snils (env CANDOR_OIDC_SCHEME; default national_id)",
		field: func(c *Config) any { return &c.Server.OIDC.Scheme }},
	{Flag: "purge-every", Env: "CANDOR_PURGE_EVERY", Groups: ServerSettings,
		Usage: "delete the facts past their retention at start and then at this interval; 0 turns it off (env CANDOR_PURGE_EVERY)",
		field: func(c *Config) any { return &c.Server.PurgeEvery }},
	{Flag: "lease-ttl", Env: "CANDOR_LEASE_TTL", Groups: ServerSettings, check: checkLeaseTTL,
		Usage: "of nodes sharing a store, one runs the log's appender and the periodic jobs under a lease it renews every third of this; when it dies, another takes them over after at most this long (env CANDOR_LEASE_TTL; 0: the default)",
		field: func(c *Config) any { return &c.Server.LeaseTTL }},
	{Flag: "keyring-backup-dir", Env: "CANDOR_KEYRING_BACKUP_DIR", Groups: ServerSettings, check: checkKeyringBackup,
		Usage: "if set, copy the embedded store's keyring into this directory every --keyring-backup-every, deleting copies older than --keyring-retention; keep it apart from the data's backups (env CANDOR_KEYRING_BACKUP_DIR)",
		field: func(c *Config) any { return &c.Server.KeyringBackupDir }},
	{Flag: "keyring-backup-every", Env: "CANDOR_KEYRING_BACKUP_EVERY", Groups: ServerSettings,
		Usage: "how often the keyring is copied into --keyring-backup-dir (env CANDOR_KEYRING_BACKUP_EVERY)",
		field: func(c *Config) any { return &c.Server.KeyringBackupEvery }},
	{Flag: "dispute-check", Env: "CANDOR_DISPUTE_CHECK", Groups: ServerSettings,
		Usage: "how often facts of disputes unverified past their 30-day deadline are removed (env CANDOR_DISPUTE_CHECK)",
		field: func(c *Config) any { return &c.Server.DisputeCheck }},

	{Flag: "nats", Env: "CANDOR_NATS", Groups: ServerSettings,
		Usage: "if set, also ingest events sources publish to NATS JetStream at this URL, e.g. nats://127.0.0.1:4222 (env CANDOR_NATS)",
		field: func(c *Config) any { return &c.Server.NATS.URL }},
	{Flag: "nats-creds-file", Env: "CANDOR_NATS_CREDS_FILE", Groups: ServerSettings,
		Usage: "NATS credentials file (env CANDOR_NATS_CREDS_FILE)",
		field: func(c *Config) any { return &c.Server.NATS.CredsFile }},
	{Flag: "nats-stream", Env: "CANDOR_NATS_STREAM", Groups: ServerSettings,
		Usage: "the events stream, created as a work queue if missing (env CANDOR_NATS_STREAM)",
		field: func(c *Config) any { return &c.Server.NATS.Stream }},
	{Flag: "nats-subjects", Env: "CANDOR_NATS_SUBJECTS", Groups: ServerSettings,
		Usage: "sources publish on PREFIX.<source ID> (env CANDOR_NATS_SUBJECTS)",
		field: func(c *Config) any { return &c.Server.NATS.Subjects }},
	{Flag: "nats-dead-letter", Env: "CANDOR_NATS_DEAD_LETTER", Groups: ServerSettings,
		Usage: "the stream of refused messages, kept 30 days (env CANDOR_NATS_DEAD_LETTER)",
		field: func(c *Config) any { return &c.Server.NATS.DeadLetter }},
	{Flag: "nats-dead-letter-subjects", Env: "CANDOR_NATS_DEAD_LETTER_SUBJECTS", Groups: ServerSettings,
		Usage: "refused messages are published on PREFIX.<source ID> (env CANDOR_NATS_DEAD_LETTER_SUBJECTS)",
		field: func(c *Config) any { return &c.Server.NATS.DeadLetterSubjects }},
	{Flag: "nats-ack-wait", Env: "CANDOR_NATS_ACK_WAIT", Groups: ServerSettings,
		Usage: "a message a crashed node had taken is redelivered after this (env CANDOR_NATS_ACK_WAIT)",
		field: func(c *Config) any { return &c.Server.NATS.AckWait }},

	{Flag: "tls-cert-file", Env: "CANDOR_TLS_CERT_FILE", Groups: ServerSettings,
		Usage: "serve HTTPS with this PEM certificate (chain); re-read on SIGHUP (env CANDOR_TLS_CERT_FILE)",
		field: func(c *Config) any { return &c.Server.Ops.TLSCertFile }},
	{Flag: "tls-key-file", Env: "CANDOR_TLS_KEY_FILE", Groups: ServerSettings,
		Usage: "the certificate's PEM private key; re-read on SIGHUP (env CANDOR_TLS_KEY_FILE)",
		field: func(c *Config) any { return &c.Server.Ops.TLSKeyFile }},
	{Flag: "trusted-proxies", Env: "CANDOR_TRUSTED_PROXIES", Groups: ServerSettings, check: checkProxies,
		Usage: "CIDR prefixes or addresses of reverse proxies whose X-Forwarded-For is believed, e.g. 10.0.0.0/8,192.0.2.7 (env CANDOR_TRUSTED_PROXIES)",
		field: func(c *Config) any { return &c.Server.Ops.TrustedProxies }},
	{Flag: "metrics-addr", Env: "CANDOR_METRICS_ADDR", Groups: ServerSettings,
		Usage: "if set, serve /metrics on this address only, not on --addr (env CANDOR_METRICS_ADDR)",
		field: func(c *Config) any { return &c.Server.Ops.MetricsAddr }},
	{Flag: "drain-delay", Env: "CANDOR_DRAIN_DELAY", Groups: ServerSettings,
		Usage: "on shutdown, answer /readyz with 503 for this long before refusing connections, so a load balancer stops sending (env CANDOR_DRAIN_DELAY)",
		field: func(c *Config) any { return &c.Server.Ops.DrainDelay }},

	{Flag: "stats-analyst-epsilon", Env: "CANDOR_STATS_ANALYST_EPSILON", Groups: ServerSettings,
		check: checkEpsilon(func(c *Config) string { return c.Server.Stats.AnalystEpsilon }),
		Usage: "the privacy budget ε of each analyst's key, over its life (default 10) (env CANDOR_STATS_ANALYST_EPSILON)",
		field: func(c *Config) any { return &c.Server.Stats.AnalystEpsilon }},
	{Flag: "stats-release-epsilon", Env: "CANDOR_STATS_RELEASE_EPSILON", Groups: ServerSettings,
		check: checkEpsilon(func(c *Config) string { return c.Server.Stats.ReleaseEpsilon }),
		Usage: "the privacy budget ε of each monthly release, shared by its tables (default 1) (env CANDOR_STATS_RELEASE_EPSILON)",
		field: func(c *Config) any { return &c.Server.Stats.ReleaseEpsilon }},
	{Flag: "stats-console-epsilon", Env: "CANDOR_STATS_CONSOLE_EPSILON", Groups: ServerSettings,
		check: checkEpsilon(func(c *Config) string { return c.Server.Stats.ConsoleEpsilon }),
		Usage: "the console's privacy budget ε over the installation's life, ε 1 a census or migration (default 50) (env CANDOR_STATS_CONSOLE_EPSILON)",
		field: func(c *Config) any { return &c.Server.Stats.ConsoleEpsilon }},

	{Flag: "stats-release-every", Env: "CANDOR_STATS_RELEASE_EVERY", Groups: ServerSettings,
		Usage: "publish the last month's statistics release, if it is not out yet, at this interval, the first time one interval after start; 0: only when an operator asks (env CANDOR_STATS_RELEASE_EVERY)",
		field: func(c *Config) any { return &c.Server.Stats.ReleaseEvery }},

	{Flag: "server", Env: "CANDOR_SERVER", Groups: AdminSettings | PolicySettings,
		Usage: "act through the API of the running server at this URL (https://candor.example:8080) rather than on the store (env CANDOR_SERVER)",
		field: func(c *Config) any { return &c.Admin.Server }},
	{Flag: "key-file", Env: "CANDOR_OPERATOR_KEY_FILE", Groups: AdminSettings,
		Usage: "with --server: the file holding the operator's API key, readable by its owner only (env CANDOR_OPERATOR_KEY_FILE)",
		field: func(c *Config) any { return &c.Admin.OperatorKeyFile }},
	{Flag: "key-file", Env: "CANDOR_POLICY_KEY_FILE", Groups: PolicySettings,
		Usage: "the file holding the acting policy administrator's API key, readable by its owner only; with --server, an operator's key bootstraps the first two administrators (env CANDOR_POLICY_KEY_FILE)",
		field: func(c *Config) any { return &c.Admin.PolicyKeyFile }},

	{Flag: "log-format", Env: "CANDOR_LOG_FORMAT", Groups: LogFormatSettings, check: checkLogFormat,
		Usage: "log format: json or text (env CANDOR_LOG_FORMAT)",
		field: func(c *Config) any { return &c.LogFormat }},
}

// Register defines on fs a flag for each setting of groups, setting the
// field of cfg it names, with the field's value as the default (for a
// string, the variable's value if it is set, as the help then shows).
// ParseFlags then reads the variables and the command line.
func Register(fs *flag.FlagSet, cfg *Config, groups Group) {
	for _, s := range settings {
		if s.Groups&groups == 0 {
			continue
		}
		switch p := s.field(cfg).(type) {
		case *string:
			if v := os.Getenv(s.Env); v != "" {
				*p = v
			}
			fs.StringVar(p, s.Flag, *p, s.Usage)
		case *int:
			fs.IntVar(p, s.Flag, *p, s.Usage)
		case *bool:
			fs.BoolVar(p, s.Flag, *p, s.Usage)
		case *time.Duration:
			fs.DurationVar(p, s.Flag, *p, s.Usage)
		default:
			panic(fmt.Sprintf("app: setting --%s has a field of type %T", s.Flag, p))
		}
	}
}

// envInUsage finds the variable a flag's usage names: "(env CANDOR_X".
var envInUsage = regexp.MustCompile(`\(env (CANDOR_[A-Z0-9_]+)`)

// ParseFlags sets each flag of fs whose usage names a CANDOR_* variable
// from that variable, if it is set and not empty, then parses args over
// them, so that the command line wins. A variable's value goes through its
// flag's own parser: a bad one is an error naming the variable, never a
// silent default. It serves the table's flags (Register) and a command's
// own alike.
func ParseFlags(fs *flag.FlagSet, args []string) error {
	var bad error
	fs.VisitAll(func(f *flag.Flag) {
		m := envInUsage.FindStringSubmatch(f.Usage)
		if m == nil || bad != nil {
			return
		}
		if v := os.Getenv(m[1]); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				bad = fmt.Errorf("%s=%q: %v (for --%s)", m[1], v, err, f.Name)
			}
		}
	})
	if bad != nil {
		return bad
	}
	return fs.Parse(args)
}
