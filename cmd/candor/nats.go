package main

import (
	"context"
	"flag"
	"log/slog"
	"time"

	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/natsingest"
)

// natsFlags configure ingestion from NATS JetStream.
type natsFlags struct {
	url, creds, stream, subjects, deadLetter, deadSubjects string
	ackWait                                                time.Duration
}

func (f *natsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.url, "nats", env("CANDOR_NATS", ""),
		"if set, also ingest events sources publish to NATS JetStream at this URL, e.g. nats://127.0.0.1:4222 (env CANDOR_NATS)")
	fs.StringVar(&f.creds, "nats-creds-file", env("CANDOR_NATS_CREDS_FILE", ""), "NATS credentials file (env CANDOR_NATS_CREDS_FILE)")
	fs.StringVar(&f.stream, "nats-stream", env("CANDOR_NATS_STREAM", "CANDOR_EVENTS"), "the events stream, created as a work queue if missing (env CANDOR_NATS_STREAM)")
	fs.StringVar(&f.subjects, "nats-subjects", env("CANDOR_NATS_SUBJECTS", "candor.events"), "sources publish on PREFIX.<source ID> (env CANDOR_NATS_SUBJECTS)")
	fs.StringVar(&f.deadLetter, "nats-dead-letter", env("CANDOR_NATS_DEAD_LETTER", "CANDOR_DEAD_LETTER"), "the stream of refused messages, kept 30 days (env CANDOR_NATS_DEAD_LETTER)")
	fs.StringVar(&f.deadSubjects, "nats-dead-letter-subjects", env("CANDOR_NATS_DEAD_LETTER_SUBJECTS", "candor.dead"),
		"refused messages are published on PREFIX.<source ID> (env CANDOR_NATS_DEAD_LETTER_SUBJECTS)")
	fs.DurationVar(&f.ackWait, "nats-ack-wait", 30*time.Second, "a message a crashed node had taken is redelivered after this (env CANDOR_NATS_ACK_WAIT)")
}

// start starts consuming, or returns nil without --nats.
func (f *natsFlags) start(inst *installation, p *ingest.Pipeline, log *slog.Logger) (*natsingest.Consumer, error) {
	if f.url == "" {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return natsingest.Start(ctx, natsingest.Config{URL: f.url, CredsFile: f.creds, Stream: f.stream, Subjects: f.subjects,
		DeadLetter: f.deadLetter, DeadLetterSubjects: f.deadSubjects, AckWait: f.ackWait, Registry: inst.store, Ingester: p, Logger: log})
}
