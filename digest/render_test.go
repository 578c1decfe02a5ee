package digest

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

func hostileStories() []Story {
	return []Story{{
		ID:       "7",
		Headline: `Breaking <script>alert("x")</script> <img src=x onerror=alert(1)> "talks" & more`,
		Link:     "javascript:alert(document.cookie)",
		Outlets:  []string{`Evil <b onmouseover="steal()">Outlet</b>`, "Plain\x1b[31mRed\x1b[0m Wire"},
		Reports:  2, Time: t0.Add(-time.Hour),
		Snippet: "Line one\r\nX-Injected: header\n\u202egnp.exe <iframe src=//evil.example>",
		Why:     []string{`term:<svg onload=alert(1)>`},
	}, {
		ID: "8", Headline: "Ordinary headline", Link: `https://ok.example.org/a?b=1&c="2"`, Time: t0.Add(-2 * time.Hour),
	}}
}

func TestRenderEscapesHostileText(t *testing.T) {
	d := testDefinition(t, FormatJSON, "https://relay.example.org/")
	m, err := Render(d, "id-1", Window{t0.Add(-24 * time.Hour), t0}, hostileStories())
	if err != nil {
		t.Fatal(err)
	}
	// The HTML part, parsed as a browser would: only the template's own
	// elements and attributes exist; feed text is text nodes.
	allowed := map[string]bool{"html": true, "head": true, "meta": true, "title": true, "body": true, "div": true, "h1": true, "h2": true, "p": true, "a": true}
	z := html.NewTokenizer(strings.NewReader(m.HTML))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		if !allowed[tok.Data] {
			t.Errorf("feed text became a <%s> element", tok.Data)
		}
		for _, a := range tok.Attr {
			if strings.HasPrefix(a.Key, "on") {
				t.Errorf("feed text became an attribute %s=%q", a.Key, a.Val)
			}
			if a.Key == "href" && !strings.HasPrefix(a.Val, "https://") {
				t.Errorf("unsafe link %q", a.Val)
			}
		}
	}
	if !strings.Contains(m.HTML, "&lt;script&gt;") {
		t.Error("script tag should be visible as escaped text")
	}
	for _, part := range []string{m.Text, m.Subject, slackText(m)} {
		for _, bad := range []string{"\x1b", "\u202e", "\r", "\nX-Injected"} {
			if strings.Contains(part, bad) {
				t.Errorf("output contains %q:\n%s", bad, part)
			}
		}
	}
	if !strings.Contains(m.Text, `<script>alert("x")</script>`) {
		t.Error("plain text should show the title as written")
	}
	if s := slackText(m); strings.Contains(s, "<script") || strings.Contains(s, "javascript:") {
		t.Errorf("slack text not escaped:\n%s", s)
	}
	// The json preset's structured stories carry the cleaned text, and the
	// javascript: link is gone.
	pl, err := Encode(d, m)
	if err != nil {
		t.Fatal(err)
	}
	var b genericBody
	if err := json.Unmarshal(pl.Body, &b); err != nil {
		t.Fatal(err)
	}
	if b.Stories[0].Link != "" || strings.Contains(b.Stories[0].Snippet, "\u202e") {
		t.Errorf("json story not sanitised: %+v", b.Stories[0])
	}
}

func TestRenderMaxStoriesAndOrder(t *testing.T) {
	d := testDefinition(t, FormatJSON, "https://relay.example.org/")
	d.MaxStories = 2
	in := []Story{
		{ID: "1", Headline: "one report old", Reports: 1, Time: t0.Add(-5 * time.Hour)},
		{ID: "2", Headline: "many reports", Reports: 9, Time: t0.Add(-9 * time.Hour)},
		{ID: "3", Headline: "one report new", Reports: 1, Time: t0.Add(-1 * time.Hour)},
	}
	m, err := Render(d, "id", Window{t0.Add(-24 * time.Hour), t0}, in)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range m.Stories {
		ids = append(ids, s.ID)
	}
	if strings.Join(ids, ",") != "2,3" || m.Total != 3 {
		t.Errorf("stories %v total %d, want 2,3 of 3", ids, m.Total)
	}
	if !strings.Contains(m.Text, "and 1 more story") || !strings.Contains(m.HTML, "and 1 more story") {
		t.Errorf("missing 'more' line:\n%s", m.Text)
	}
}

func TestRenderSubject(t *testing.T) {
	cases := []struct {
		name, tmpl, tz, want string
	}{
		{"default", "", "", "morning: 2 stories, 30 Oct 2025"},
		{"fields", `{{.Count}}/{{.Total}} {{.End.Format "Mon 2 Jan"}} {{.Start.Format "15:04"}}`, "", "2/2 Thu 30 Oct 07:00"},
		{"zone from CRON_TZ", `{{.End.Format "15:04 MST"}}`, "CRON_TZ=Asia/Karachi 0 12 * * *", "12:00 PKT"},
		{"one line", "a\r\nBcc: x@example.org", "", "a Bcc: x@example.org"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := &Definition{Name: "morning", Format: FormatJSON, URL: "https://relay.example.org/", Subject: tc.tmpl, Schedule: tc.tz}
			if tc.tz == "" {
				d.Schedule = "0 7 * * *"
			}
			if err := d.Validate(); err != nil {
				t.Fatal(err)
			}
			m, err := Render(d, "id", Window{t0.Add(-24 * time.Hour), t0}, fixtureStories())
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tc.want {
				t.Errorf("subject %q, want %q", m.Subject, tc.want)
			}
		})
	}
}

func TestRenderGolden(t *testing.T) {
	d := testDefinition(t, FormatJSON, "https://relay.example.org/")
	m, err := Render(d, "morning-20251030T070000Z-0a1b2c3d", Window{t0.Add(-24 * time.Hour), t0}, append(fixtureStories(), hostileStories()...))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "digest.html.golden", []byte(m.HTML))
	golden(t, "digest.txt.golden", []byte(m.Text))
	for i, line := range bytes.Split([]byte(m.Text), []byte("\n")) {
		if n := len([]rune(string(line))); n > 78 && !bytes.Contains(line, []byte("://")) {
			t.Errorf("text line %d is %d columns: %q", i+1, n, line)
		}
	}
}

func TestValidateErrors(t *testing.T) {
	cases := []struct {
		name string
		d    Definition
		want string
	}{
		{"unknown format", Definition{Name: "a", Format: "smtp2", URL: "https://x.example/"}, `format: "smtp2" is not one of json, postmark, sendgrid, mailgun, resend, slack`},
		{"no url", Definition{Name: "a", Format: FormatSlack}, `url: must be set for format "slack"`},
		{"bad url", Definition{Name: "a", Format: FormatJSON, URL: "ftp://x"}, "url: must be an http or https URL"},
		{"postmark needs token", Definition{Name: "a", Format: FormatPostmark, To: []string{"a@example.org"}, From: "b@example.org"}, `token_file or token_env: format "postmark" needs an API token`},
		{"postmark needs to", Definition{Name: "a", Format: FormatPostmark, From: "b@example.org", Token: NewSecret("t")}, `to: format "postmark" needs at least one recipient`},
		{"bad address", Definition{Name: "a", Format: FormatJSON, URL: "https://x.example/", To: []string{"not an address"}}, `to: "not an address": mail: no angle-addr`},
		{"bad subject", Definition{Name: "a", Format: FormatJSON, URL: "https://x.example/", Subject: "{{.Nope}}"}, "subject: template: subject:1:2: executing \"subject\" at <.Nope>: can't evaluate field Nope in type digest.SubjectData"},
		{"bad schedule", Definition{Name: "a", Format: FormatJSON, URL: "https://x.example/", Schedule: "CRON_TZ=UTC"}, "schedule: invalid cron spec"},
		{"bad header", Definition{Name: "a", Format: FormatJSON, URL: "https://x.example/", Headers: map[string]string{"X-A": "b\r\nc"}}, `headers: "X-A" is not a valid header`},
		{"no name", Definition{Format: FormatJSON, URL: "https://x.example/"}, "name: must be set"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.d.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestSecretRedacted(t *testing.T) {
	d := testDefinition(t, FormatPostmark, "https://api.example.org/email")
	var buf bytes.Buffer
	for _, v := range []any{d, *d, d.Token, []any{d.Secret}} {
		buf.Reset()
		b, _ := json.Marshal(v)
		buf.Write(b)
		for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
			buf.WriteString(sprintf(f, v))
		}
		if strings.Contains(buf.String(), "SECRET") {
			t.Errorf("secret leaked: %s", buf.String())
		}
	}
}
