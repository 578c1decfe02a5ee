package digest

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// Message is a rendered digest: what every format encodes.
type Message struct {
	ID      string      `json:"id"`
	Name    string      `json:"digest"`
	Subject string      `json:"subject"`
	Window  Window      `json:"window"`
	Stories []Story     `json:"stories"` // sanitised, at most MaxStories
	Total   int         `json:"total_stories"`
	HTML    string      `json:"html"`
	Text    string      `json:"text"`
	more    int         // stories cut by max_stories, for the "and N more" line
	def     *Definition // the definition it was rendered for (zone, name)
}

// SubjectData is what a subject template sees, e.g.
// "{{.Name}}: {{.Count}} stories, {{.Date}}" or
// "News {{.End.Format \"Mon 2 Jan\"}} ({{.Total}})".
type SubjectData struct {
	Name  string    // digest name
	Date  string    // window end as "2 Jan 2006", in the digest's zone
	Count int       // stories in this digest
	Total int       // stories in the window, before max_stories
	Start time.Time // window start, in the digest's zone
	End   time.Time // window end, in the digest's zone
}

// Render builds the digest message for window w from stories: sanitises and
// orders them, applies max_stories, renders subject, HTML and text. It does
// no I/O. Definition must have been validated.
func Render(d *Definition, id string, w Window, stories []Story) (Message, error) {
	clean := cleanStories(stories)
	total := len(clean)
	if d.MaxStories > 0 && len(clean) > d.MaxStories {
		clean = clean[:d.MaxStories]
	}
	loc := d.location()
	m := Message{ID: id, Name: d.Name, Window: w, Stories: clean, Total: total, more: total - len(clean), def: d}
	t := d.subject
	if t == nil {
		var err error
		if t, err = template.New("subject").Option("missingkey=error").Parse(cmpOr(d.Subject, DefaultSubject)); err != nil {
			return Message{}, fmt.Errorf("subject: %w", err)
		}
	}
	subj, err := renderSubject(t, SubjectData{
		Name: d.Name, Date: w.End.In(loc).Format("2 Jan 2006"),
		Count: len(clean), Total: total, Start: w.Start.In(loc), End: w.End.In(loc),
	})
	if err != nil {
		return Message{}, fmt.Errorf("subject: %w", err)
	}
	m.Subject = subj
	view := m.view()
	var hb, tb bytes.Buffer
	if err := htmlTmpl.Execute(&hb, view); err != nil {
		return Message{}, fmt.Errorf("render html: %w", err)
	}
	if err := textTmpl.Execute(&tb, view); err != nil {
		return Message{}, fmt.Errorf("render text: %w", err)
	}
	m.HTML, m.Text = hb.String(), tb.String()
	return m, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func renderSubject(t *template.Template, data SubjectData) (string, error) {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", err
	}
	// One header line: no CR/LF (header injection), no control characters.
	return cleanLine(b.String(), 250), nil
}

type messageView struct {
	Subject, Name, ID, Window string
	Count, Total, More        int
	Stories                   []storyView
}

type storyView struct {
	N                                  int
	Headline, Link, Meta, Snippet, Why string
	MetaParts                          []string
}

func (m *Message) view() messageView {
	loc := m.def.location()
	v := messageView{
		Subject: m.Subject, Name: m.Name, ID: m.ID,
		Window: m.Window.Start.In(loc).Format("2 Jan 15:04") + " – " + m.Window.End.In(loc).Format("2 Jan 2006 15:04 MST"),
		Count:  len(m.Stories), Total: m.Total, More: m.more,
	}
	for i, s := range m.Stories {
		v.Stories = append(v.Stories, storyView{
			N: i + 1, Headline: s.Headline, Link: s.Link, Snippet: s.Snippet,
			MetaParts: storyMeta(s, loc), Why: strings.Join(s.Why, ", "),
		})
		v.Stories[i].Meta = strings.Join(v.Stories[i].MetaParts, " · ")
	}
	return v
}

// storyMeta is the parts of "Dawn, Reuters, TOLOnews +2 more · 6 reports ·
// 29 Oct 14:05 UTC".
func storyMeta(s Story, loc *time.Location) []string {
	var parts []string
	if len(s.Outlets) > 0 {
		o := strings.Join(s.Outlets[:min(3, len(s.Outlets))], ", ")
		if len(s.Outlets) > 3 {
			o += " +" + strconv.Itoa(len(s.Outlets)-3) + " more"
		}
		parts = append(parts, o)
	}
	if s.Reports > 1 {
		parts = append(parts, strconv.Itoa(s.Reports)+" reports")
	}
	if !s.Time.IsZero() {
		parts = append(parts, s.Time.In(loc).Format("2 Jan 15:04 MST"))
	}
	return parts
}

// hang wraps s with a hanging indent of three columns: the first line
// follows the story number, the rest line up under it.
func hang(width int, s string) string {
	return strings.TrimPrefix(wrap("   ", width, s), "   ")
}

// wrapParts joins parts with " · ", starting a new indented line instead of
// splitting a part when the line would pass width columns.
func wrapParts(indent string, width int, parts []string) string {
	var b strings.Builder
	col := 0
	for i, p := range parts {
		n := len([]rune(p))
		switch {
		case i == 0:
			b.WriteString(indent)
		case col+3+n > width:
			b.WriteString("\n" + indent)
			col = 0
		default:
			b.WriteString(" · ")
			col += 3
		}
		b.WriteString(p)
		col += n
	}
	return b.String()
}

// wrap breaks s into lines of at most width columns, each prefixed by indent.
func wrap(indent string, width int, s string) string {
	var b strings.Builder
	col := 0
	for i, w := range strings.Fields(s) {
		n := len([]rune(w))
		if i > 0 && col+1+n > width {
			b.WriteString("\n")
			col = 0
		}
		if col == 0 {
			b.WriteString(indent)
		} else {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(w)
		col += n
	}
	return b.String()
}

var textTmpl = template.Must(template.New("text").Funcs(template.FuncMap{"wrap": wrap, "wrapParts": wrapParts, "hang": hang}).Parse(
	`{{.Subject}}
{{.Window}} · {{.Count}} {{if eq .Count 1}}story{{else}}stories{{end}}
{{- if .More}} (of {{.Total}}){{end}}
{{range .Stories}}
{{.N}}. {{hang 72 .Headline}}
{{- if .Link}}
   {{.Link}}{{end}}
{{- if .Meta}}
{{wrapParts "   " 72 .MetaParts}}{{end}}
{{- if .Snippet}}

{{wrap "   " 72 .Snippet}}{{end}}
{{- if .Why}}
   Why: {{.Why}}{{end}}
{{end}}
{{- if .More}}
… and {{.More}} more {{if eq .More 1}}story{{else}}stories{{end}} in this window.
{{end}}
{{- if not .Stories}}
No new stories in this window.
{{end}}
-- 
wirewatch digest {{.Name}} · {{.ID}}
`))

var htmlTmpl = htmltemplate.Must(htmltemplate.New("html").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Subject}}</title></head>
<body style="margin:0;padding:0;background:#f4f4f5;">
<div style="max-width:640px;margin:0 auto;padding:16px;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#18181b;font-size:15px;line-height:1.5;">
<h1 style="font-size:20px;margin:0 0 4px 0;">{{.Subject}}</h1>
<p style="margin:0 0 16px 0;color:#71717a;font-size:13px;">{{.Window}} · {{.Count}} {{if eq .Count 1}}story{{else}}stories{{end}}{{if .More}} (of {{.Total}}){{end}}</p>
{{range .Stories}}<div style="background:#ffffff;border:1px solid #e4e4e7;border-radius:6px;padding:12px 14px;margin:0 0 12px 0;">
<h2 style="font-size:17px;margin:0 0 4px 0;line-height:1.3;">{{if .Link}}<a href="{{.Link}}" style="color:#1d4ed8;text-decoration:none;">{{.Headline}}</a>{{else}}{{.Headline}}{{end}}</h2>
{{if .Meta}}<p style="margin:0 0 6px 0;color:#71717a;font-size:13px;">{{.Meta}}</p>{{end}}
{{if .Snippet}}<p style="margin:0 0 6px 0;">{{.Snippet}}</p>{{end}}
{{if .Why}}<p style="margin:0;color:#a1a1aa;font-size:12px;">Why: {{.Why}}</p>{{end}}
</div>
{{end}}{{if .More}}<p style="color:#71717a;font-size:13px;">… and {{.More}} more {{if eq .More 1}}story{{else}}stories{{end}} in this window.</p>
{{end}}{{if not .Stories}}<p style="color:#71717a;">No new stories in this window.</p>
{{end}}<p style="margin:24px 0 0 0;color:#a1a1aa;font-size:11px;">wirewatch digest {{.Name}} · {{.ID}}</p>
</div>
</body></html>
`))
