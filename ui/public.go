package ui

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/candor-project/candor"
)

// Public pages: the published scorecards and the company register. They
// need no sign-in and show nothing about any person.

type scorecardsView struct {
	Cards   []*candor.Scorecard
	Acts    []actView
	ActsErr bool // the administrative acts do not verify
}

func (s *Server) scorecards(w http.ResponseWriter, r *http.Request) {
	var v scorecardsView
	active, _ := s.scorers()
	for _, c := range active {
		v.Cards = append(v.Cards, c.Scorecard())
	}
	acts, err := s.adminActs(r.Context(), "")
	if err != nil {
		s.log.Error("ui: the administrative acts", "err", err)
		v.ActsErr = true
	}
	v.Acts = acts
	s.render(w, r, http.StatusOK, "scorecards", "Published scorecards", "scorecards", v)
}

// actView is an administrative act as the public pages list it: What is
// a message of the catalogue; it is on version Version of scorecard Card,
// or else on the key OnKey of Principal; By is "" for a bootstrap.
type actView struct {
	N                uint64
	At               time.Time
	What, By, Key    string
	Card             string
	Version          int
	OnKey, Principal string
	Commitment       string
}

var actWords = map[candor.AdminActKind]string{
	candor.ActKeyBootstrapped: "administrator's key minted (one of the first two)", candor.ActKeyRequested: "administrator's key requested",
	candor.ActKeyApproved: "administrator's key approved", candor.ActKeyRevoked: "administrator's key revoked",
	candor.ActScorecardProposed: "version proposed", candor.ActScorecardApproved: "version approved",
	candor.ActScorecardAudited: "version audited for fairness",
}

// adminActs returns the administrative acts, newest first: every one,
// or with card set, those about that scorecard.
func (s *Server) adminActs(ctx context.Context, card string) ([]actView, error) {
	if s.cfg.Admin == nil {
		return nil, nil
	}
	acts, err := s.cfg.Admin.Acts(ctx)
	if err != nil {
		return nil, err
	}
	var out []actView
	for _, a := range slices.Backward(acts) {
		if card != "" && a.Scorecard != card {
			continue
		}
		enc, err := a.MarshalBinary()
		if err != nil {
			return nil, err
		}
		v := actView{N: a.N, At: a.At, What: actWords[a.Kind], By: a.By, Key: a.ByKey,
			Card: a.Scorecard, Version: a.Version, OnKey: a.Key, Principal: a.Principal,
			Commitment: candor.AdminActCommitment(enc).String()}
		out = append(out, v)
	}
	return out, nil
}

type scorecardView struct {
	Card    *candor.Scorecard
	Others  []*candor.Scorecard
	Acts    []actView // the proposals and approvals of the scorecard's versions
	ActsErr bool      // the administrative acts do not verify
}

// scorecard shows one published scorecard: the active version, or the
// version asked for.
func (s *Server) scorecard(w http.ResponseWriter, r *http.Request) {
	id, vs := r.PathValue("id"), r.PathValue("v")
	var v scorecardView
	active, all := s.scorers()
	for _, c := range active {
		if sc := c.Scorecard(); sc.ID == id && vs == "" {
			v.Card = sc
		}
	}
	for _, c := range all {
		sc := c.Scorecard()
		if sc.ID != id {
			continue
		}
		if vs != "" && strconv.Itoa(sc.Version) == vs {
			v.Card = sc
		}
		v.Others = append(v.Others, sc)
	}
	if v.Card == nil {
		s.fail(w, r, localeOf(nil, r).Errorf(candor.ENOTFOUND, "There is no published scorecard %q of that version.", candor.Clip(id, 60)))
		return
	}
	others := v.Others[:0]
	for _, sc := range v.Others {
		if sc.Version != v.Card.Version {
			others = append(others, sc)
		}
	}
	v.Others = others
	acts, err := s.adminActs(r.Context(), id)
	if err != nil {
		s.log.Error("ui: the administrative acts", "err", err)
		v.ActsErr = true
	}
	v.Acts = acts
	s.render(w, r, http.StatusOK, "scorecard", localeOf(nil, r).data(v.Card.Title), "scorecards", v)
}

type registerResult struct {
	RegNo, Grade, GradeText string
	At                      time.Time
	Card                    *candor.Scorecard
}

type registerView struct {
	Query  string
	Result *registerResult
	Error  string
	// Badge is the check of a compliance badge whose QR code opened the
	// page, if one did.
	Badge *verifyView
}

// register is the company register: an organisation's current
// business-compliance grade by its registration number. A number no
// organisation has, a malformed one and a person's all get the same
// answer.
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("reg_no"))
	v := registerView{Query: candor.Clip(q, 40)}
	if q == "" {
		s.render(w, r, http.StatusOK, "register", "Company register", "register", v)
		return
	}
	if !s.registerLimits.Allow(r, s.now()) {
		s.fail(w, r, localeOf(nil, r).Errorf(candor.ETOOMANY, "Too many look-ups from your address. Please wait a few seconds and try again."))
		return
	}
	status := http.StatusOK
	res, err := s.lookUpOrganisation(r, q)
	switch candor.ErrorCode(err) {
	case "":
		v.Result = res
	case candor.ENOTFOUND:
		status, v.Error = http.StatusNotFound, localeOf(nil, r).T("No organisation is registered under %q.", v.Query)
	case candor.EUNAVAILABLE:
		status, v.Error = http.StatusServiceUnavailable, localeOf(nil, r).T("The company register is not published on this server.")
	default:
		s.fail(w, r, err)
		return
	}
	if b := r.URL.Query().Get("badge"); b != "" && s.cfg.Credentials != nil && v.Result != nil {
		v.Badge = s.checkBadge(r, b, v.Result.RegNo)
	}
	s.render(w, r, status, "register", "Company register", "register", v)
}

func (s *Server) lookUpOrganisation(r *http.Request, q string) (*registerResult, error) {
	if s.cfg.Register == nil {
		return nil, candor.ErrNoRegister
	}
	e, err := s.cfg.Register.Organisation(r.Context(), q)
	if err != nil {
		return nil, err
	}
	return &registerResult{RegNo: e.CompanyRegNo, Grade: e.Grade, GradeText: bandText(e.Scorecard, e.Grade), At: e.AsOf, Card: e.Scorecard}, nil
}
