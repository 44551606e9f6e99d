package fit

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
)

// Report is the validation of a fitted scorecard on the held-out rows, and
// its fairness audit when protected attributes were given.
type Report struct {
	Source       string  `json:"source"`
	Rows         int     `json:"rows"`
	TrainRows    int     `json:"train_rows"`
	TestRows     int     `json:"test_rows"`
	Seed         uint64  `json:"seed"`
	BasePoints   float64 `json:"base_points"`
	BaseOdds     float64 `json:"base_odds"`
	PDO          float64 `json:"points_to_double_odds"`
	MinBinShare  float64 `json:"min_bin_share"`
	AUC          float64 `json:"auc"`
	Gini         float64 `json:"gini"`
	KS           float64 `json:"ks"`
	TrainAUC     float64 `json:"train_auc"`
	BaselineAUC  float64 `json:"baseline_auc,omitempty"`
	BaselineNote string  `json:"baseline_note,omitempty"`

	Base            int              `json:"base"`
	Characteristics []CharReport     `json:"characteristics"`
	Excluded        []Exclusion      `json:"excluded"`
	Calibration     []Band           `json:"calibration"`
	Distribution    []Band           `json:"score_distribution"`
	ROC             [][2]float64     `json:"roc"`
	Benefit         string           `json:"benefit,omitempty"`
	Cutoff          int              `json:"cutoff,omitempty"`
	ApprovalRate    float64          `json:"approval_rate,omitempty"`
	Audit           []AttributeAudit `json:"audit,omitempty"`
}

// CharReport is one characteristic as the report shows it.
type CharReport struct {
	Name        string      `json:"name"`
	IV          float64     `json:"iv"`
	Coefficient float64     `json:"coefficient"`
	Bins        []BinReport `json:"bins"`
}

// BinReport is one bin as the report shows it.
type BinReport struct {
	Label   string  `json:"label"`
	Good    int     `json:"good"`
	Bad     int     `json:"bad"`
	BadRate float64 `json:"bad_rate"`
	WoE     float64 `json:"woe"`
	Points  int     `json:"points"`
}

// NewReport validates m on test (scores clamped to [lo, hi]): AUC, Gini,
// KS, ROC, a calibration table of ten bands and the score distribution by
// outcome in twenty; trainScores give the training AUC.
func NewReport(m *Model, trainScores []int, train *Dataset, testScores []int, test *Dataset) *Report {
	r := &Report{Rows: train.Rows() + test.Rows(), TrainRows: train.Rows(), TestRows: test.Rows(), Base: m.Base, Excluded: m.Excluded}
	fs := Floats(testScores)
	r.AUC = AUC(fs, test.Outcome)
	r.Gini = 2*r.AUC - 1
	r.KS = KS(fs, test.Outcome)
	r.ROC = ROC(fs, test.Outcome)
	r.TrainAUC = AUC(Floats(trainScores), train.Outcome)
	r.Calibration = Calibration(m, testScores, test.Outcome, 10)
	r.Distribution = Distribution(testScores, test.Outcome, 20)
	for _, ch := range m.Characteristics {
		cr := CharReport{Name: ch.Name, IV: ch.IV, Coefficient: ch.Beta}
		for k, b := range ch.Bins {
			cr.Bins = append(cr.Bins, BinReport{Label: b.Label(ch.Numeric), Good: b.Good, Bad: b.Bad,
				BadRate: float64(b.Bad) / float64(b.Good+b.Bad), WoE: b.WoE, Points: ch.Points[k]})
		}
		r.Characteristics = append(r.Characteristics, cr)
	}
	return r
}

// WriteJSON writes r as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteHTML writes r as one self-contained HTML page with inline SVG
// charts: the ROC curve, the score distribution by outcome and the
// calibration.
func (r *Report) WriteHTML(w io.Writer) error {
	return page.Execute(w, r)
}

const chartW, chartH = 320.0, 200.0

// Charts as SVG polylines and rectangles, in a chartW×chartH box.
func (r *Report) rocPoints() string {
	var b strings.Builder
	for _, p := range r.ROC {
		fmt.Fprintf(&b, "%.1f,%.1f ", p[0]*chartW, chartH-p[1]*chartH)
	}
	return b.String()
}

type bar struct {
	X, Y, W, H float64
	Title      string
}

func (r *Report) distBars() (goods, bads []bar) {
	if len(r.Distribution) == 0 {
		return nil, nil
	}
	var top float64
	var goodN, badN float64
	for _, d := range r.Distribution {
		goodN, badN = goodN+float64(d.Good), badN+float64(d.Bad)
	}
	for _, d := range r.Distribution {
		top = max(top, float64(d.Good)/goodN, float64(d.Bad)/badN)
	}
	w := chartW / float64(len(r.Distribution))
	for i, d := range r.Distribution {
		hg, hb := float64(d.Good)/goodN/top*chartH, float64(d.Bad)/badN/top*chartH
		goods = append(goods, bar{float64(i) * w, chartH - hg, w / 2, hg, fmt.Sprintf("%d–%d: %d good", d.Lo, d.Hi, d.Good)})
		bads = append(bads, bar{float64(i)*w + w/2, chartH - hb, w / 2, hb, fmt.Sprintf("%d–%d: %d bad", d.Lo, d.Hi, d.Bad)})
	}
	return goods, bads
}

func (r *Report) calibration() (observed, predicted string) {
	var top float64
	for _, c := range r.Calibration {
		top = max(top, c.BadRate, c.Predicted)
	}
	if top == 0 {
		top = 1
	}
	var o, p strings.Builder
	n := float64(len(r.Calibration))
	for i, c := range r.Calibration {
		x := (float64(i) + 0.5) / n * chartW
		fmt.Fprintf(&o, "%.1f,%.1f ", x, chartH-c.BadRate/top*chartH)
		fmt.Fprintf(&p, "%.1f,%.1f ", x, chartH-c.Predicted/top*chartH)
	}
	return o.String(), p.String()
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct": func(f float64) string { return fmt.Sprintf("%.1f %%", 100*f) },
	"f3":  func(f float64) string { return fmt.Sprintf("%.3f", f) },
	"ok": func(b bool) string {
		if b {
			return "met"
		}
		return "NOT met"
	},
	"finite": func(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) },
	"roc":    (*Report).rocPoints,
	"bars": func(r *Report) map[string][]bar {
		g, b := r.distBars()
		return map[string][]bar{"good": g, "bad": b}
	},
	"calib": func(r *Report) []string { o, p := r.calibration(); return []string{o, p} },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fitted scorecard: validation report</title>
<style>body{font:15px/1.4 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:right}
th:first-child,td:first-child{text-align:left}svg{border:1px solid #ccc;margin:.5rem 1rem .5rem 0}
.bad{fill:#c0392b}.good{fill:#2e86c1}.warn{color:#c0392b;font-weight:bold}figure{display:inline-block;margin:0}</style></head><body>
<h1>Fitted scorecard: validation report</h1>
<p>Source {{.Source}}: {{.Rows}} rows, fitted on {{.TrainRows}}, validated on the other {{.TestRows}} (split seed {{.Seed}}).
Scaling: {{.BasePoints}} points at odds {{.BaseOdds}}:1 (good:bad), {{.PDO}} points double the odds; every bin holds at least {{pct .MinBinShare}} of the rows.</p>
<h2>Held-out performance</h2>
<table><tr><th>measure</th><th>value</th></tr>
<tr><td>AUC (held out)</td><td>{{f3 .AUC}}</td></tr><tr><td>Gini</td><td>{{f3 .Gini}}</td></tr><tr><td>KS</td><td>{{f3 .KS}}</td></tr>
<tr><td>AUC (training rows)</td><td>{{f3 .TrainAUC}}</td></tr>
{{if .BaselineAUC}}<tr><td>baseline AUC: plain logistic regression, one-hot attributes</td><td>{{f3 .BaselineAUC}}</td></tr>{{end}}
</table>{{with .BaselineNote}}<p>Baseline: {{.}}</p>{{end}}
<figure><svg width="320" height="200" viewBox="0 0 320 200" role="img" aria-label="ROC curve">
<line x1="0" y1="200" x2="320" y2="0" stroke="#999" stroke-dasharray="4"/>
<polyline fill="none" stroke="#2e86c1" stroke-width="2" points="{{roc .}}"/></svg>
<figcaption>ROC: share of bad approved (across) against share of good approved (up)</figcaption></figure>
<figure><svg width="320" height="200" viewBox="0 0 320 200" role="img" aria-label="score distribution by outcome">
{{with bars .}}{{range .good}}<rect class="good" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Title}}</title></rect>{{end}}{{range .bad}}<rect class="bad" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Title}}</title></rect>{{end}}{{end}}</svg>
<figcaption>Scores of good (blue) and bad (red) held-out rows, each as a share of its outcome</figcaption></figure>
<figure><svg width="320" height="200" viewBox="0 0 320 200" role="img" aria-label="calibration">{{with calib .}}
<polyline fill="none" stroke="#c0392b" stroke-width="2" points="{{index . 0}}"/>
<polyline fill="none" stroke="#999" stroke-width="2" stroke-dasharray="4" points="{{index . 1}}"/>{{end}}</svg>
<figcaption>Bad rate by score band: observed (red) and predicted by the scaling (grey)</figcaption></figure>
<h2>Calibration (held out)</h2>
<table><tr><th>scores</th><th>rows</th><th>bad</th><th>observed bad rate</th><th>predicted</th></tr>
{{range .Calibration}}<tr><td>{{.Lo}}–{{.Hi}}</td><td>{{.N}}</td><td>{{.Bad}}</td><td>{{pct .BadRate}}</td><td>{{pct .Predicted}}</td></tr>{{end}}</table>
<h2>Characteristics</h2>
<p>Base {{.Base}} points; a score is the base plus the points of the subject's bin in each characteristic.</p>
{{range .Characteristics}}<h3>{{.Name}}: information value {{f3 .IV}}, coefficient {{f3 .Coefficient}}</h3>
<table><tr><th>bin</th><th>good</th><th>bad</th><th>bad rate</th><th>WoE</th><th>points</th></tr>
{{range .Bins}}<tr><td>{{.Label}}</td><td>{{.Good}}</td><td>{{.Bad}}</td><td>{{pct .BadRate}}</td><td>{{f3 .WoE}}</td><td>{{.Points}}</td></tr>{{end}}</table>{{end}}
{{with .Excluded}}<h3>Left out</h3><table><tr><th>candidate</th><th>IV</th><th>why</th></tr>
{{range .}}<tr><td>{{.Name}}</td><td>{{if finite .IV}}{{f3 .IV}}{{end}}</td><td style="text-align:left">{{.Reason}}</td></tr>{{end}}</table>{{end}}
{{if .Audit}}<h2>Fairness audit at {{.Benefit}} (score ≥ {{.Cutoff}}; {{pct .ApprovalRate}} of all rows approved)</h2>
<p>Protected attributes were read from the auditor's file for this report only and are not stored.
Adverse-impact ratio: a group's approval rate over the best-treated group's (four-fifths rule: at least 0.8).
True positive rate: the share of good outcomes approved; the equal-opportunity difference is its largest minus its smallest value.</p>
{{range .Audit}}<h3>{{.Attribute}}: four-fifths rule {{if .FourFifths}}met{{else}}<span class="warn">NOT met</span>{{end}}; equal-opportunity difference {{f3 .EqualOpportunityDifference}}</h3>
<table><tr><th>group</th><th>rows</th><th>approved</th><th>approval rate</th><th>adverse-impact ratio</th><th>four-fifths</th><th>true positive rate</th></tr>
{{range .Groups}}<tr><td>{{.Group}}</td><td>{{.N}}</td><td>{{.Approved}}</td><td>{{pct .ApprovalRate}}</td><td>{{f3 .ImpactRatio}}</td><td>{{ok .FourFifths}}</td><td>{{pct .TruePositiveRate}}</td></tr>{{end}}</table>{{end}}{{end}}
</body></html>
`))
