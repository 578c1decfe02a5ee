package digest

import (
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"strings"
	"text/template"
	"time"
)

// Formats are the delivery presets: the request shape each API expects.
const (
	FormatJSON     = "json"
	FormatPostmark = "postmark"
	FormatSendGrid = "sendgrid"
	FormatMailgun  = "mailgun"
	FormatResend   = "resend"
	FormatSlack    = "slack"
)

// Formats lists every preset, in documentation order.
var Formats = []string{FormatJSON, FormatPostmark, FormatSendGrid, FormatMailgun, FormatResend, FormatSlack, FormatSMTP}

// DefaultSubject is the subject template used when a definition sets none.
const DefaultSubject = "{{.Name}}: {{.Count}} {{if eq .Count 1}}story{{else}}stories{{end}}, {{.Date}}"

// DefaultRetryFor is how long a digest is retried before it is given up.
const DefaultRetryFor = 24 * time.Hour

// defaultURLs are the public endpoints of the email APIs whose URL does not
// depend on the account. Mailgun's contains the sending domain, Slack's and
// a relay's are the user's own: those must be configured.
var defaultURLs = map[string]string{
	FormatPostmark: "https://api.postmarkapp.com/email",
	FormatSendGrid: "https://api.sendgrid.com/v3/mail/send",
	FormatResend:   "https://api.resend.com/emails",
}

// Definition is one configured digest (a `[[digest]]` entry), as plain
// values: cmd decodes the config, loads the secrets and calls Validate.
type Definition struct {
	Name       string
	Topics     []string // empty: every topic
	Schedule   string   // cron/v3 standard spec, CRON_TZ= allowed
	To         []string
	From       string
	Subject    string // text/template; see SubjectData
	URL        string
	Format     string
	Headers    map[string]string
	SendEmpty  bool
	MaxStories int // <= 0: no limit
	Token      Secret
	Secret     Secret
	RetryFor   time.Duration // <= 0: DefaultRetryFor
	// Location is the zone dates are shown in. Validate sets it from the
	// schedule's CRON_TZ= when nil, else UTC.
	Location *time.Location

	subject *template.Template
}

// LogValue implements slog.LogValuer: the name, format and endpoint host only,
// never tokens, secrets or the URL's path (a Slack webhook URL is a secret).
func (d *Definition) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("name", d.Name),
		slog.String("format", d.Format),
		slog.String("host", urlHost(d.URL)),
	)
}

func urlHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

// Validate checks the definition and fills defaults (URL for APIs with a
// fixed endpoint, subject, retry period, location). Errors name the config
// key at fault.
func (d *Definition) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if d.Name == "" {
		add("name: must be set")
	} else if strings.ContainsAny(d.Name, " \t\r\n/") {
		add("name: %q must not contain spaces or '/'", d.Name)
	}
	known := false
	for _, f := range Formats {
		known = known || f == d.Format
	}
	if d.Format == "" {
		d.Format = FormatJSON
		known = true
	}
	if !known {
		add("format: %q is not one of %s", d.Format, strings.Join(Formats, ", "))
	}
	if d.URL == "" {
		d.URL = defaultURLs[d.Format]
	}
	if u, err := url.Parse(d.URL); d.URL == "" {
		add("url: must be set for format %q", d.Format)
	} else if d.Format == FormatSMTP {
		if err := validateSMTPURL(d.URL); err != nil {
			errs = append(errs, err)
		}
	} else if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		add("url: must be an http or https URL")
	}
	email := known && d.Format != FormatSlack && d.Format != FormatJSON
	errs = append(errs, d.validateAddresses(email)...)
	if email && d.Format != FormatSMTP && !d.Token.IsSet() {
		add("token_file or token_env: format %q needs an API token", d.Format)
	}
	if d.Subject == "" {
		d.Subject = DefaultSubject
	}
	t, err := template.New("subject").Option("missingkey=error").Parse(d.Subject)
	if err == nil {
		_, err = renderSubject(t, SubjectData{Name: d.Name, Date: "2 Jan 2006"})
	}
	if err != nil {
		add("subject: %v", err)
	}
	d.subject = t
	if d.RetryFor <= 0 {
		d.RetryFor = DefaultRetryFor
	}
	if d.MaxStories < 0 {
		add("max_stories: must not be negative")
	}
	for k := range d.Headers {
		if k == "" || strings.ContainsAny(k, " :\r\n") || strings.ContainsAny(d.Headers[k], "\r\n") {
			add("headers: %q is not a valid header", k)
		}
	}
	if d.Schedule != "" {
		if _, err := ParseSchedule(d.Schedule); err != nil {
			add("schedule: %v", err)
		}
	}
	if d.Location == nil {
		d.Location = scheduleLocation(d.Schedule)
	}
	return errors.Join(errs...)
}

// validateAddresses checks to and from; required says the format is an
// email API that cannot send without them.
func (d *Definition) validateAddresses(required bool) []error {
	var errs []error
	if required && len(d.To) == 0 {
		errs = append(errs, fmt.Errorf("to: format %q needs at least one recipient", d.Format))
	}
	for _, a := range d.To {
		if _, err := mail.ParseAddress(a); err != nil {
			errs = append(errs, fmt.Errorf("to: %q: %v", a, err))
		}
	}
	if d.From == "" {
		if required {
			errs = append(errs, fmt.Errorf("from: format %q needs a sender", d.Format))
		}
	} else if _, err := mail.ParseAddress(d.From); err != nil {
		errs = append(errs, fmt.Errorf("from: %q: %v", d.From, err))
	}
	return errs
}

// retryFor is the retry period with its default applied.
func (d *Definition) retryFor() time.Duration {
	if d.RetryFor <= 0 {
		return DefaultRetryFor
	}
	return d.RetryFor
}

func (d *Definition) location() *time.Location {
	if d.Location == nil {
		return time.UTC
	}
	return d.Location
}

// scheduleLocation reads the zone of a "CRON_TZ=Zone ..." or "TZ=Zone ..."
// spec; UTC when there is none or it does not load.
func scheduleLocation(spec string) *time.Location {
	for _, p := range []string{"CRON_TZ=", "TZ="} {
		if rest, ok := strings.CutPrefix(spec, p); ok {
			name, _, _ := strings.Cut(rest, " ")
			if loc, err := time.LoadLocation(name); err == nil {
				return loc
			}
		}
	}
	return time.UTC
}
