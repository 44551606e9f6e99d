// Package httpapi serves Candor's JSON API (described by its OpenAPI
// document, GET /v1/openapi.yaml): ingestion for sources (POST /v1/events),
// the subject's own view (/v1/me: facts, scores, access log and proofs,
// consents, decisions and reviews, disputes, credentials, opt-outs,
// erasure), decisions for relying parties (POST /v1/decisions), disputes
// for sources, reviews and profile reads for operators, the public
// catalogue, scorecards, company register and transparency log, health and
// metrics.
//
// It is delivery only: handlers authenticate, decode a body with the one
// strict reader, call a service and encode its answer; errors map to
// statuses through candor.HTTPStatus. The services do the work, store
// before they disclose and record every read.
package httpapi
