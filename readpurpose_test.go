package candor_test

import (
	"strings"
	"testing"

	"github.com/candor-project/candor"
)

func TestParseReadPurpose(t *testing.T) {
	for _, tc := range []struct {
		name    string
		role    candor.Role
		in      string
		want    candor.ReadPurpose
		errText string // in the error, if one is wanted
	}{
		{"operator, dispute", candor.RoleOperator, "dispute", candor.ReadDispute, ""},
		{"operator, security", candor.RoleOperator, "security_incident", candor.ReadSecurity, ""},
		{"operator, model development", candor.RoleOperator, "model_development", candor.ReadModelDevelopment, ""},
		{"reviewer, human review", candor.RoleReviewer, "human_review", candor.ReadHumanReview, ""},
		{"none", candor.RoleOperator, "", 0, "no purpose was stated"},
		{"free text", candor.RoleOperator, "operator read", 0, `"operator read" is not one`},
		{"case differs", candor.RoleOperator, "Dispute", 0, "is not one"},
		{"another role's", candor.RoleReviewer, "dispute", 0, "human_review"},
		{"operator may not claim a review", candor.RoleOperator, "human_review", 0, "subject_request, dispute, data_quality"},
		{"a source reads nothing", candor.RoleSource, "dispute", 0, "reads no subject's data"},
		{"long text is clipped", candor.RoleOperator, strings.Repeat("x", 300), 0, "…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := candor.ParseReadPurpose(tc.role, tc.in)
			if tc.errText == "" {
				if err != nil || got != tc.want {
					t.Fatalf("= %v, %v; want %v", got, err, tc.want)
				}
				if w := candor.PurposeWords(got.String()); w != got.Words() || w == got.String() {
					t.Errorf("PurposeWords(%q) = %q", got, w)
				}
				return
			}
			if candor.ErrorCode(err) != candor.EPURPOSE || !strings.Contains(err.Error(), tc.errText) || len(err.Error()) > 300 {
				t.Fatalf("= %v, %v; want EPURPOSE saying %q", got, err, tc.errText)
			}
		})
	}
	if w := candor.PurposeWords("decision for rental by lettings1"); w != "decision for rental by lettings1" {
		t.Errorf("a relying party's purpose is shown as %q", w)
	}
}
