package ui

import (
	"cmp"
	"context"
	"fmt"
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

// actView is an administrative act as the public pages list it.
type actView struct {
	N                 uint64
	At                time.Time
	What, By, Key, On string
	Commitment        string
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
		v := actView{N: a.N, At: a.At, What: actWords[a.Kind], By: cmp.Or(a.By, "(bootstrap)"), Key: a.ByKey,
			Commitment: candor.AdminActCommitment(enc).String()}
		if a.Scorecard != "" {
			v.On = fmt.Sprintf("%s version %d", a.Scorecard, a.Version)
		} else {
			v.On = "key " + a.Key + " of " + a.Principal
		}
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

// Counting says how a rule counts, in words.
func (scorecardView) Counting(rl candor.Rule) string {
	var parts []string
	if rl.Window > 0 {
		parts = append(parts, "facts of the last "+period(rl.Window))
	} else {
		parts = append(parts, "facts until they drop off")
	}
	switch rl.Decay {
	case candor.DecayLinear:
		parts = append(parts, "worth less as they age, nothing at the end")
	case candor.DecayHalfLife:
		parts = append(parts, "each worth half as much every "+period(rl.HalfLife))
	}
	switch rl.Counting {
	case candor.CountFirst:
		parts = append(parts, "only the first counts")
	case candor.CountAtMost:
		parts = append(parts, fmt.Sprintf("only the %d most recent count", rl.AtMost))
	}
	if rl.Cap > 0 {
		parts = append(parts, fmt.Sprintf("never more than %g points in all", rl.Cap))
	}
	return strings.Join(parts, "; ")
}

// Aggregate says how a characteristic's value is worked out, in words.
func (scorecardView) Aggregate(c candor.Characteristic) string {
	over := "until they drop off"
	if c.Window > 0 {
		over = "of the last " + period(c.Window)
	}
	switch c.Aggregate {
	case candor.AggregateCount:
		return "how many such facts " + over
	case candor.AggregateMonthsSinceLast:
		return "whole months since the latest such fact " + over + " (none: no value)"
	case candor.AggregateShare:
		return "the share, from 0 to 1, of the facts of these types " + over + " for which the condition holds (none: no value)"
	case candor.AggregateSum:
		return "the total " + aggregatedField(c) + " of such facts " + over + " (none: 0)"
	case candor.AggregateMax:
		return "the largest " + aggregatedField(c) + " among such facts " + over + " (none: no value)"
	}
	return c.Aggregate.String()
}

// aggregatedField names the field a sum or max aggregates, with its currency.
func aggregatedField(c candor.Characteristic) string {
	s := c.Field
	if c.Currency != "" {
		s += " in " + c.Currency
	}
	return s
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
		s.fail(w, r, candor.Errorf(candor.ENOTFOUND, "There is no published scorecard %q of that version.", candor.Clip(id, 60)))
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
	s.render(w, r, http.StatusOK, "scorecard", v.Card.Title, "scorecards", v)
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
		s.fail(w, r, candor.Errorf(candor.ETOOMANY, "Too many look-ups from your address. Please wait a few seconds and try again."))
		return
	}
	status := http.StatusOK
	res, err := s.lookUpOrganisation(r, q)
	switch candor.ErrorCode(err) {
	case "":
		v.Result = res
	case candor.ENOTFOUND, candor.EUNAVAILABLE:
		status, v.Error = candor.HTTPStatus(candor.ErrorCode(err)), candor.ErrorMessage(err)
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

// period writes a duration in whole years, months of 30 days or days.
func period(d time.Duration) string {
	n, unit := int(d/day), "day"
	switch {
	case n > 0 && n%365 == 0:
		n, unit = n/365, "year"
	case n > 0 && n%30 == 0:
		n, unit = n/30, "month"
	}
	if n != 1 {
		unit += "s"
	}
	return strconv.Itoa(n) + " " + unit
}
