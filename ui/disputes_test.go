package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/candor-project/candor"
)

func TestDisputeAFact(t *testing.T) {
	h := mustHarness(t)
	alice, bob := h.browser(t), h.browser(t)
	alice.signIn("AB1234567")
	bob.signIn("CD7654321")

	data := alice.get("/me/data")
	links := regexp.MustCompile(`href="/me/disputes/new\?fact=(\d+)"`).FindAllStringSubmatch(data.body, -1)
	if len(links) != 2 {
		t.Fatalf("alice's data page has %d dispute links, want one per active fact (2):\n%s", len(links), data.body)
	}
	fact := links[0][1]
	form := alice.get("/me/disputes/new?fact=" + fact)
	if form.status != 200 || !strings.Contains(form.body, `name="statement"`) || !strings.Contains(form.body, "Bank Seven") {
		t.Fatalf("the dispute form: %d\n%s", form.status, form.body)
	}
	if p := bob.get("/me/disputes/new?fact=" + fact); p.status != http.StatusNotFound {
		t.Errorf("bob opens a dispute form for alice's fact: %d", p.status)
	}
	if p := bob.post("/me/disputes", url.Values{"csrf": {bob.csrf("/me/disputes")}, "fact": {fact}, "statement": {"not mine"}}); p.status != http.StatusNotFound {
		t.Errorf("bob disputes alice's fact: %d", p.status)
	}
	token := alice.csrf("/me/disputes")
	if p := alice.post("/me/disputes", url.Values{"csrf": {token}, "fact": {fact}, "statement": {"   "}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("a blank statement: %d", p.status)
	}
	p := alice.post("/me/disputes", url.Values{"csrf": {token}, "fact": {fact}, "statement": {"I paid on time."}})
	if p.status != http.StatusSeeOther || p.location != "/me/disputes" {
		t.Fatalf("open: %d %s", p.status, p.body)
	}
	page := alice.get("/me/disputes")
	if !strings.Contains(page.body, "Dispute opened") || !strings.Contains(page.body, "state open") || !strings.Contains(page.body, "I paid on time.") {
		t.Fatalf("the disputes page:\n%s", page.body)
	}
	if data := alice.get("/me/data"); !strings.Contains(data.body, "state disputed") || strings.Count(data.body, "/me/disputes/new?fact=") != 1 {
		t.Errorf("the data page does not show the fact disputed, without a link:\n%s", data.body)
	}

	// The source answers; alice sees the step.
	q, err := h.disputes.Queue(context.Background(), "bank7")
	if err != nil || len(q) != 1 {
		t.Fatalf("the bank's queue: %v, %v", q, err)
	}
	if _, err := h.disputes.Answer(context.Background(), "bank7", q[0].ID, candor.DisputeReply{Answer: candor.AnswerWithdraw, Note: "Our mistake."}); err != nil {
		t.Fatal(err)
	}
	if page := alice.get("/me/disputes"); !strings.Contains(page.body, "state withdrawn") || !strings.Contains(page.body, "Our mistake.") {
		t.Errorf("the withdrawal is not shown:\n%s", page.body)
	}
	if p := bob.get("/me/disputes"); strings.Contains(p.body, "I paid on time.") {
		t.Errorf("bob sees alice's dispute")
	}
	if x := alice.get("/me/export.json"); !strings.Contains(x.body, `"disputes": [`) || !strings.Contains(x.body, "Our mistake.") {
		t.Errorf("the JSON download lacks the dispute:\n%s", x.body)
	}
	if x := alice.get("/me/export.csv"); !strings.Contains(x.body, "dispute,") {
		t.Errorf("the CSV download lacks the dispute:\n%s", x.body)
	}
}

// Issue 11: the portal's and console's forms are read strictly and bounded
// before any handler sees them, and a statement refuses what the API's
// does (the domain checks it, whichever way it comes).
func TestFormsAreReadStrictly(t *testing.T) {
	h := mustHarness(t)
	alice := h.browser(t)
	alice.signIn("AB1234567")
	fact := regexp.MustCompile(`href="/me/disputes/new\?fact=(\d+)"`).FindStringSubmatch(alice.get("/me/data").body)[1]
	token := alice.csrf("/me/disputes")
	post := func(contentType, body string) page {
		req, _ := http.NewRequest("POST", alice.base+"/me/disputes", strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		return alice.do(req)
	}
	form := func(statement string) string {
		return url.Values{"csrf": {token}, "fact": {fact}, "statement": {statement}}.Encode()
	}
	urlenc := "application/x-www-form-urlencoded"
	tests := []struct {
		name, contentType, body string
		status                  int
		want                    string
	}{
		{"statement twice", urlenc, form("mine") + "&statement=theirs", http.StatusBadRequest, "more than once"},
		{"fact twice", urlenc, form("mine") + "&fact=1", http.StatusBadRequest, "more than once"},
		{"multipart", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"statement\"\r\n\r\nx\r\n--x--\r\n", http.StatusUnsupportedMediaType, "x-www-form-urlencoded"},
		{"too large", urlenc, form(strings.Repeat("a", 70<<10)), http.StatusRequestEntityTooLarge, "larger than"},
		{"NUL", urlenc, form("a\x00b"), http.StatusUnprocessableEntity, "0000 (NUL)"},
		{"ANSI escape", urlenc, form("\x1b[2Jhi"), http.StatusUnprocessableEntity, "001B (a terminal escape"},
		{"bidi override", urlenc, form("\u202edias I"), http.StatusUnprocessableEntity, "202E (a bidirectional"},
		{"control in a field name", urlenc, form("x") + "&a%07=1", http.StatusBadRequest, "field name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := post(tt.contentType, tt.body)
			if p.status != tt.status || !strings.Contains(p.body, tt.want) {
				t.Fatalf("got %d, want %d with %q:\n%s", p.status, tt.status, tt.want, p.body)
			}
		})
	}
	if ds, _ := h.disputes.Of(context.Background(), h.ids["AB1234567"]); len(ds) != 0 {
		t.Fatalf("a refused form opened a dispute: %v", ds)
	}
	// Browsers send a textarea's lines as CR LF: that is a newline.
	if p := post(urlenc, form("Line one.\r\nLine two.")); p.status != http.StatusSeeOther {
		t.Fatalf("a two-line statement: %d\n%s", p.status, p.body)
	}
}
