package digest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
)

// Payload is an encoded request body. It is stored in the outbox before the
// first attempt and sent byte for byte on every attempt.
type Payload struct {
	ContentType string
	Body        []byte
}

// Encode turns a rendered message into the request body of d's format.
// The result is deterministic: the same message gives the same bytes.
func Encode(d *Definition, m Message) (Payload, error) {
	switch d.Format {
	case FormatJSON, "":
		return jsonPayload(genericBody{
			ID: m.ID, Digest: m.Name, Subject: m.Subject, From: d.From, To: nonNil(d.To),
			Window: m.Window, HTML: m.HTML, Text: m.Text, Stories: nonNilStories(m.Stories), Total: m.Total,
		})
	case FormatPostmark:
		return jsonPayload(postmarkBody{
			From: d.From, To: strings.Join(d.To, ", "), Subject: m.Subject,
			HTMLBody: m.HTML, TextBody: m.Text, MessageStream: "outbound", Tag: "wirewatch-digest",
			Headers:  []postmarkHeader{{Name: digestHeader, Value: m.ID}},
			Metadata: map[string]string{"digest": m.Name, "digest_id": m.ID},
		})
	case FormatSendGrid:
		return sendgridPayload(d, m)
	case FormatMailgun:
		return mailgunPayload(d, m)
	case FormatResend:
		return jsonPayload(resendBody{
			From: d.From, To: nonNil(d.To), Subject: m.Subject, HTML: m.HTML, Text: m.Text,
			Headers: map[string]string{digestHeader: m.ID},
		})
	case FormatSlack:
		return jsonPayload(slackBody{Text: slackText(m)})
	case FormatSMTP:
		return smtpPayload(d, m)
	}
	return Payload{}, fmt.Errorf("unknown format %q", d.Format)
}

// digestHeader is put into the email itself (where the API allows custom
// headers) so a delivered message can be traced to its outbox entry.
const digestHeader = "X-Wirewatch-Digest"

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilStories(s []Story) []Story {
	if s == nil {
		return []Story{}
	}
	return s
}

func jsonPayload(v any) (Payload, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return Payload{}, fmt.Errorf("encode payload: %w", err)
	}
	return Payload{ContentType: "application/json", Body: bytes.TrimSuffix(b.Bytes(), []byte("\n"))}, nil
}

// genericBody is the `json` preset, for a self-hosted relay.
type genericBody struct {
	ID      string   `json:"id"`
	Digest  string   `json:"digest"`
	Subject string   `json:"subject"`
	From    string   `json:"from"`
	To      []string `json:"to"`
	Window  Window   `json:"window"`
	HTML    string   `json:"html"`
	Text    string   `json:"text"`
	Stories []Story  `json:"stories"`
	Total   int      `json:"total_stories"`
}

// postmarkBody is POST https://api.postmarkapp.com/email.
type postmarkBody struct {
	From          string            `json:"From"`
	To            string            `json:"To"`
	Subject       string            `json:"Subject"`
	HTMLBody      string            `json:"HtmlBody"`
	TextBody      string            `json:"TextBody"`
	MessageStream string            `json:"MessageStream"`
	Tag           string            `json:"Tag"`
	Headers       []postmarkHeader  `json:"Headers"`
	Metadata      map[string]string `json:"Metadata"`
}

type postmarkHeader struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// resendBody is POST https://api.resend.com/emails.
type resendBody struct {
	From    string            `json:"from"`
	To      []string          `json:"to"`
	Subject string            `json:"subject"`
	HTML    string            `json:"html"`
	Text    string            `json:"text"`
	Headers map[string]string `json:"headers"`
}

type sgAddress struct {
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
}

type sgContent struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// sendgridBody is POST https://api.sendgrid.com/v3/mail/send; SendGrid wants
// text/plain before text/html and answers 202 with an empty body.
type sendgridBody struct {
	Personalizations []struct {
		To []sgAddress `json:"to"`
	} `json:"personalizations"`
	From       sgAddress         `json:"from"`
	Subject    string            `json:"subject"`
	Content    []sgContent       `json:"content"`
	Headers    map[string]string `json:"headers"`
	CustomArgs map[string]string `json:"custom_args"`
}

func sgAddr(s string) (sgAddress, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return sgAddress{}, fmt.Errorf("address %q: %w", s, err)
	}
	return sgAddress{Email: a.Address, Name: a.Name}, nil
}

func sendgridPayload(d *Definition, m Message) (Payload, error) {
	var b sendgridBody
	b.Personalizations = make([]struct {
		To []sgAddress `json:"to"`
	}, 1)
	for _, t := range d.To {
		a, err := sgAddr(t)
		if err != nil {
			return Payload{}, err
		}
		b.Personalizations[0].To = append(b.Personalizations[0].To, a)
	}
	from, err := sgAddr(d.From)
	if err != nil {
		return Payload{}, err
	}
	b.From, b.Subject = from, m.Subject
	b.Content = []sgContent{{Type: "text/plain", Value: m.Text}, {Type: "text/html", Value: m.HTML}}
	b.Headers = map[string]string{digestHeader: m.ID}
	b.CustomArgs = map[string]string{"digest": m.Name, "digest_id": m.ID}
	return jsonPayload(b)
}

// mailgunPayload is POST https://api.mailgun.net/v3/DOMAIN/messages as
// multipart/form-data. The boundary derives from the digest id so the body
// is byte-identical on every attempt.
func mailgunPayload(d *Definition, m Message) (Payload, error) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	sum := sha256.Sum256([]byte(m.ID))
	if err := w.SetBoundary("wirewatch-" + hex.EncodeToString(sum[:16])); err != nil {
		return Payload{}, err
	}
	fields := [][2]string{{"from", d.From}}
	for _, t := range d.To {
		fields = append(fields, [2]string{"to", t})
	}
	fields = append(fields,
		[2]string{"subject", m.Subject}, [2]string{"text", m.Text}, [2]string{"html", m.HTML},
		[2]string{"h:" + digestHeader, m.ID}, [2]string{"v:digest_id", m.ID}, [2]string{"o:tag", "wirewatch-digest"})
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			return Payload{}, err
		}
	}
	if err := w.Close(); err != nil {
		return Payload{}, err
	}
	return Payload{ContentType: w.FormDataContentType(), Body: b.Bytes()}, nil
}

// slackBody is a Slack incoming webhook message.
type slackBody struct {
	Text string `json:"text"`
}

// slackEscape escapes the three characters Slack's mrkdwn treats as control.
var slackEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// slackText is the compact variant: one bullet line per story.
func slackText(m Message) string {
	var b strings.Builder
	b.WriteString("*" + slackEscape.Replace(m.Subject) + "*\n")
	for _, s := range m.Stories {
		h := slackEscape.Replace(s.Headline)
		if s.Link != "" {
			link := strings.NewReplacer("|", "%7C", ">", "%3E", "<", "%3C").Replace(s.Link)
			h = "<" + link + "|" + h + ">"
		}
		b.WriteString("• " + h)
		if len(s.Outlets) > 0 {
			b.WriteString(" — " + slackEscape.Replace(strings.Join(s.Outlets[:min(3, len(s.Outlets))], ", ")))
		}
		if s.Reports > 1 {
			b.WriteString(" · " + strconv.Itoa(s.Reports) + " reports")
		}
		b.WriteByte('\n')
	}
	if m.more > 0 {
		b.WriteString("_… and " + strconv.Itoa(m.more) + " more_\n")
	}
	if len(m.Stories) == 0 {
		b.WriteString("_No new stories in this window._\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// setAuth adds the preset's authentication header for token.
func setAuth(h http.Header, format string, token Secret) {
	if !token.IsSet() {
		return
	}
	switch format {
	case FormatPostmark:
		h.Set("X-Postmark-Server-Token", token.Reveal())
	case FormatMailgun:
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("api:"+token.Reveal())))
	default: // json, sendgrid, resend; slack webhooks carry their secret in the URL
		if format != FormatSlack {
			h.Set("Authorization", "Bearer "+token.Reveal())
		}
	}
}
