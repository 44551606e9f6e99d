package candor

import (
	"slices"
	"strconv"
	"strings"
)

// ReadPurpose is why an operator or a reviewer reads a subject's data: a
// closed list, stated with every such read (the API's Candor-Purpose
// header), kept in its access record and shown to the person in words.
type ReadPurpose uint8

const (
	ReadSubjectRequest   ReadPurpose = iota + 1 // answering the person's own request
	ReadDispute                                 // settling a dispute the person opened
	ReadHumanReview                             // a human review the person asked for
	ReadDataQuality                             // checking a fact a source sent, at its or the person's report
	ReadLegalObligation                         // a court order or a supervisory authority's request
	ReadSecurity                                // investigating a suspected breach or misuse of the data
	ReadModelDevelopment                        // computing characteristics to fit a new scorecard version (candor features)
	numReadPurposes
)

var readPurposes = [numReadPurposes]struct {
	name, words string
	roles       []Role
}{
	ReadSubjectRequest: {"subject_request", "to answer a request you made (a question, a complaint, a copy of your data)", []Role{RoleOperator}},
	ReadDispute:        {"dispute", "to settle a dispute you opened about one of your facts", []Role{RoleOperator}},
	ReadHumanReview:    {"human_review", "for the human review of a decision that you asked for", []Role{RoleReviewer}},
	ReadDataQuality:    {"data_quality", "to check a fact a source sent about you, after an error was reported", []Role{RoleOperator}},
	ReadLegalObligation: {"legal_obligation", "because a court order or the supervisory authority required it",
		[]Role{RoleOperator}},
	ReadSecurity: {"security_incident", "to investigate a suspected breach or misuse of your data", []Role{RoleOperator}},
	ReadModelDevelopment: {"model_development", "to compute, from your facts, the characteristics used to fit a new version of a published scorecard; the result is a row without your name or identifier",
		[]Role{RoleOperator}},
}

func (p ReadPurpose) String() string {
	if p == 0 || p >= numReadPurposes {
		return "unknown"
	}
	return readPurposes[p].name
}

// Words says the purpose to the person whose data was read.
func (p ReadPurpose) Words() string {
	if p == 0 || p >= numReadPurposes {
		return "unknown"
	}
	return readPurposes[p].words
}

// ReadPurposesOf returns the purposes a role may state, in list order.
func ReadPurposesOf(role Role) []ReadPurpose {
	var out []ReadPurpose
	for p := ReadPurpose(1); p < numReadPurposes; p++ {
		if slices.Contains(readPurposes[p].roles, role) {
			out = append(out, p)
		}
	}
	return out
}

// ParseReadPurpose returns the purpose named s that role may state.
// Errors: EPURPOSE, naming the purposes role may state, for none, an
// unknown one or one of another role.
func ParseReadPurpose(role Role, s string) (ReadPurpose, error) {
	allowed := ReadPurposesOf(role)
	names := make([]string, len(allowed))
	for i, p := range allowed {
		names[i] = p.String()
		if p.String() == s {
			return p, nil
		}
	}
	if len(names) == 0 {
		return 0, Errorf(EPURPOSE, "a %s reads no subject's data", role)
	}
	what := "no purpose was stated"
	if s != "" {
		what = "purpose " + quoteClip(s) + " is not one a " + role.String() + " may state"
	}
	return 0, Errorf(EPURPOSE, "%s: every read of a subject's data states why, in the Candor-Purpose header, one of: %s", what, strings.Join(names, ", "))
}

// quoteClip quotes s, cut to 40 bytes, for an error message.
func quoteClip(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

// PurposeWords says in words a purpose as an access record keeps it: a
// ReadPurpose's words for its name, else the purpose as recorded (a
// relying party's, the person's own read), which is already words.
func PurposeWords(recorded string) string {
	for p := ReadPurpose(1); p < numReadPurposes; p++ {
		if readPurposes[p].name == recorded {
			return readPurposes[p].words
		}
	}
	return recorded
}
