package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/candor-project/candor/ingest"
	"github.com/candor-project/candor/natsingest"
)

// start starts consuming, or returns nil without --nats.
func (f NATSConfig) start(inst *Installation, p *ingest.Pipeline, log *slog.Logger) (*natsingest.Consumer, error) {
	if f.URL == "" {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return natsingest.Start(ctx, natsingest.Config{URL: f.URL, CredsFile: f.CredsFile, Stream: f.Stream, Subjects: f.Subjects,
		DeadLetter: f.DeadLetter, DeadLetterSubjects: f.DeadLetterSubjects, AckWait: f.AckWait, Registry: inst.Store, Ingester: p, Logger: log})
}
