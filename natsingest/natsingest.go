package natsingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/candor-project/candor"
)

// Config configures a Consumer. URL, Registry and Ingester are required.
type Config struct {
	URL string
	// CredsFile, if set, is a NATS credentials file (JWT and NKey seed).
	CredsFile string
	// Stream is the JetStream stream of events (default CANDOR_EVENTS). If it
	// does not exist it is created as a file-backed work queue over
	// Subjects.>, so that a message (and the key in its header) is deleted
	// once acknowledged.
	Stream string
	// Subjects is the subject prefix (default candor.events); a source
	// publishes on Subjects.<source ID>.
	Subjects string
	// DeadLetter is the stream of refused messages (default
	// CANDOR_DEAD_LETTER), created if missing over DeadLetterSubjects.>,
	// keeping messages DeadLetterMaxAge (default 30 days).
	DeadLetter         string
	DeadLetterSubjects string // default candor.dead
	DeadLetterMaxAge   time.Duration
	// Consumer is the durable consumer's name (default candor); every
	// Candor node sharing it shares the work.
	Consumer string
	// Workers is how many messages are ingested at once (default 16), so
	// that their commits are grouped.
	Workers int
	// AckWait is how long a message delivered to a node that stops
	// answering (killed, cut off) waits before it is redelivered (default
	// 30s). A batch taking longer is redelivered while it is ingested, and
	// stored once.
	AckWait  time.Duration
	Registry candor.Registry
	Ingester candor.Ingester
	Logger   *slog.Logger
}

// AuthHeader is the header carrying the source's API key, as "Bearer <key>".
const AuthHeader = "Authorization"

// DeadLetter is the body of a dead-letter message: the error a POST
// /v1/events with the same content would have received, and where the
// refused message came from. Data is the refused message's body; it is
// left out (DataOmitted) when it would not fit in one NATS message, and so
// are the last problems when they would not (ProblemsOmitted).
type DeadLetter struct {
	Code            string           `json:"code"`
	Message         string           `json:"message"`
	Details         []candor.Problem `json:"details,omitempty"`
	Subject         string           `json:"subject"`
	StreamSequence  uint64           `json:"stream_sequence"`
	ContentType     string           `json:"content_type,omitempty"`
	Data            []byte           `json:"data,omitempty"`
	DataOmitted     bool             `json:"data_omitted,omitempty"`
	ProblemsOmitted int              `json:"problems_omitted,omitempty"`
}

// Consumer consumes the events stream until Close.
type Consumer struct {
	cfg  Config
	nc   *nats.Conn
	js   jetstream.JetStream
	it   jetstream.MessagesContext
	wg   sync.WaitGroup
	log  *slog.Logger
	once sync.Once
}

// Start connects, creates the streams and the durable consumer if missing,
// and starts consuming. Errors: a connection or JetStream failure, or an
// invalid Config.
func Start(ctx context.Context, cfg Config) (*Consumer, error) {
	if cfg.URL == "" || cfg.Registry == nil || cfg.Ingester == nil {
		return nil, errors.New("natsingest: URL, Registry and Ingester are required")
	}
	setDefaults(&cfg)
	for _, s := range []string{cfg.Subjects, cfg.DeadLetterSubjects} {
		if !validPrefix(s) {
			return nil, fmt.Errorf("natsingest: subject prefix %q: want dot-separated tokens without spaces or wildcards", s)
		}
	}
	if overlaps(cfg.Subjects, cfg.DeadLetterSubjects) {
		return nil, fmt.Errorf("natsingest: dead-letter subjects %s overlap the event subjects %s", cfg.DeadLetterSubjects, cfg.Subjects)
	}
	opts := []nats.Option{nats.Name("candor"), nats.MaxReconnects(-1)}
	if cfg.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(cfg.CredsFile))
	}
	nc, err := nats.Connect(cfg.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("natsingest: connect: %w", err)
	}
	c := &Consumer{cfg: cfg, nc: nc, log: cfg.Logger}
	if err := c.start(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

func setDefaults(cfg *Config) {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&cfg.Stream, "CANDOR_EVENTS")
	def(&cfg.Subjects, "candor.events")
	def(&cfg.DeadLetter, "CANDOR_DEAD_LETTER")
	def(&cfg.DeadLetterSubjects, "candor.dead")
	def(&cfg.Consumer, "candor")
	if cfg.DeadLetterMaxAge <= 0 {
		cfg.DeadLetterMaxAge = 30 * 24 * time.Hour
	}
	if cfg.AckWait <= 0 {
		cfg.AckWait = 30 * time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
}

func validPrefix(s string) bool {
	if s == "" || strings.ContainsAny(s, " \t\r\n*>") {
		return false
	}
	for t := range strings.SplitSeq(s, ".") {
		if t == "" {
			return false
		}
	}
	return true
}

func overlaps(a, b string) bool {
	return a == b || strings.HasPrefix(a, b+".") || strings.HasPrefix(b, a+".")
}

func (c *Consumer) start(ctx context.Context) error {
	js, err := jetstream.New(c.nc)
	if err != nil {
		return fmt.Errorf("natsingest: %w", err)
	}
	c.js = js
	if err := ensureStream(ctx, js, jetstream.StreamConfig{Name: c.cfg.Stream, Subjects: []string{c.cfg.Subjects + ".>"},
		Retention: jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage}); err != nil {
		return err
	}
	if err := ensureStream(ctx, js, jetstream.StreamConfig{Name: c.cfg.DeadLetter, Subjects: []string{c.cfg.DeadLetterSubjects + ".>"},
		Storage: jetstream.FileStorage, MaxAge: c.cfg.DeadLetterMaxAge}); err != nil {
		return err
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, c.cfg.Stream, jetstream.ConsumerConfig{
		Durable:       c.cfg.Consumer,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       c.cfg.AckWait,
		MaxAckPending: 4 * c.cfg.Workers,
		FilterSubject: c.cfg.Subjects + ".>",
	})
	if err != nil {
		return fmt.Errorf("natsingest: consumer %s on %s: %w", c.cfg.Consumer, c.cfg.Stream, err)
	}
	c.it, err = cons.Messages(jetstream.PullMaxMessages(2 * c.cfg.Workers))
	if err != nil {
		return fmt.Errorf("natsingest: %w", err)
	}
	for range c.cfg.Workers {
		c.wg.Go(c.work)
	}
	c.log.Info("consuming events from NATS", "stream", c.cfg.Stream, "subjects", c.cfg.Subjects+".<source>", "dead_letter", c.cfg.DeadLetter)
	return nil
}

// ensureStream creates the stream unless one of that name exists; an
// existing stream is used as its operator configured it.
func ensureStream(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig) error {
	_, err := js.Stream(ctx, cfg.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		_, err = js.CreateStream(ctx, cfg)
	}
	if err != nil {
		return fmt.Errorf("natsingest: stream %s: %w", cfg.Name, err)
	}
	return nil
}

// Close stops fetching messages, ingests and settles the ones already
// fetched, and closes the connection.
func (c *Consumer) Close() error {
	c.once.Do(func() {
		c.it.Drain()
		c.wg.Wait()
		c.nc.Close()
	})
	return nil
}

func (c *Consumer) work() {
	for {
		msg, err := c.it.Next()
		if err != nil {
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return
			}
			c.log.Warn("nats: fetching messages", "err", err)
			time.Sleep(time.Second) // the client reconnects meanwhile
			continue
		}
		c.handle(msg)
	}
}

// handle ingests one message and settles it: acked once committed, dead-
// lettered and terminated when refused, redelivered after a passing failure.
func (c *Consumer) handle(msg jetstream.Msg) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	source, err := c.ingest(ctx, msg)
	if err == nil {
		if err := msg.Ack(); err != nil {
			c.log.Warn("nats: ack failed; the message will be redelivered and stored once", "err", err)
		}
		return
	}
	if !refused(err) {
		c.log.Warn("nats: ingest failed; redelivering", "source", source, "code", candor.ErrorCode(err), "err", err)
		msg.NakWithDelay(time.Second)
		return
	}
	if err := c.deadLetter(ctx, msg, source, err); err != nil {
		c.log.Error("nats: dead-letter publish failed; redelivering", "source", source, "err", err)
		msg.NakWithDelay(time.Second)
		return
	}
	c.log.Info("nats: message refused", "source", source, "code", candor.ErrorCode(err))
	msg.Term()
}

// refused reports whether err is the message's fault, so that sending it
// again cannot succeed.
func refused(err error) bool {
	switch candor.ErrorCode(err) {
	case candor.EUNAVAILABLE, candor.EINTERNAL, candor.ETOOMANY:
		return false
	}
	return true
}

// ingest authenticates, decodes and stores one message, returning the
// source token of its subject.
func (c *Consumer) ingest(ctx context.Context, msg jetstream.Msg) (string, error) {
	source, ok := strings.CutPrefix(msg.Subject(), c.cfg.Subjects+".")
	if !ok || source == "" || strings.Contains(source, ".") {
		return source, candor.Errorf(candor.EINVALID, "subject %q: publish on %s.<source ID>", msg.Subject(), c.cfg.Subjects)
	}
	src, err := c.authenticate(ctx, msg.Headers(), source)
	if err != nil {
		return source, err
	}
	env := candor.Envelope{ContentType: contentType(msg.Headers()), CloudEvent: candor.CloudEventHeaders(msg.Headers())}
	if env.CloudEvent != nil { // binary mode: the data's own media type, if given
		env.ContentType = msg.Headers().Get("Content-Type")
	}
	_, err = c.cfg.Ingester.Post(ctx, src, env, msg.Data())
	return source, err
}

// authenticate resolves the message's API key to the source the subject
// names. Errors: EUNAUTHORIZED for a missing, unknown or revoked key;
// EFORBIDDEN for a key that is not this source's.
func (c *Consumer) authenticate(ctx context.Context, h nats.Header, source string) (*candor.Source, error) {
	token, ok := strings.CutPrefix(h.Get(AuthHeader), "Bearer ")
	if !ok || token == "" {
		return nil, candor.Errorf(candor.EUNAUTHORIZED, "send the source's API key in the header 'Authorization: Bearer <key>'")
	}
	key, err := candor.Authenticate(ctx, c.cfg.Registry, token)
	if err != nil {
		return nil, err
	}
	if key.Role != candor.RoleSource || key.Principal != source {
		return nil, candor.Errorf(candor.EFORBIDDEN, "the key is not a key of source %q, whose subject this is", source)
	}
	return c.cfg.Registry.Source(ctx, key.Principal)
}

func contentType(h nats.Header) string {
	if ct := h.Get("Content-Type"); ct != "" {
		return ct
	}
	return "application/x-ndjson"
}

// deadLetter publishes the refusal of msg, without its API key, and waits
// for the stream to store it. The Nats-Msg-Id header makes a repeat after
// a crash (published, not yet terminated) a duplicate the stream drops.
func (c *Consumer) deadLetter(ctx context.Context, msg jetstream.Msg, source string, cause error) error {
	dl := DeadLetter{Code: candor.ErrorCode(cause), Message: candor.ErrorMessage(cause), Details: candor.ErrorDetails(cause),
		Subject: msg.Subject(), ContentType: msg.Headers().Get("Content-Type"), Data: msg.Data()}
	if md, err := msg.Metadata(); err == nil {
		dl.StreamSequence = md.Sequence.Stream
	}
	body, err := fit(&dl, int(c.nc.MaxPayload())-1024)
	if err != nil {
		return err
	}
	out := nats.NewMsg(c.cfg.DeadLetterSubjects + "." + source)
	out.Data = body
	out.Header.Set("Content-Type", "application/json")
	out.Header.Set(jetstream.MsgIDHeader, fmt.Sprintf("%s-%d", c.cfg.Stream, dl.StreamSequence))
	_, err = c.js.PublishMsg(ctx, out)
	return err
}

// fit encodes dl in at most max bytes, leaving out the data, then problems
// from the end, as needed.
func fit(dl *DeadLetter, max int) ([]byte, error) {
	for {
		b, err := json.Marshal(dl)
		if err != nil || len(b) <= max {
			return b, err
		}
		switch {
		case dl.Data != nil:
			dl.Data, dl.DataOmitted = nil, true
		case len(dl.Details) > 0:
			n := len(dl.Details) / 2
			dl.ProblemsOmitted += len(dl.Details) - n
			dl.Details = dl.Details[:n]
		default:
			return nil, fmt.Errorf("natsingest: a dead letter does not fit in %d bytes", max)
		}
	}
}
