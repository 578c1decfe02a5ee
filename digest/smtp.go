package digest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/wirewatch/wirewatch/store"
)

// FormatSMTP sends the digest as an email through an SMTP server instead of
// a webhook. URL is smtp://[user@]host[:587] (STARTTLS, required: wirewatch
// never sends in clear) or smtps://[user@]host[:465] (TLS from the start);
// the token is the password, used with AUTH PLAIN over TLS.
const FormatSMTP = "smtp"

// smtpPayload renders the message as RFC 5322 bytes with a text and an HTML
// alternative. Date is the window end and the MIME boundary derives from the
// id, so the same digest renders to the same bytes; Message-ID carries the
// digest id, which mail clients use to drop a duplicate.
func smtpPayload(d *Definition, m Message) (Payload, error) {
	sum := sha256.Sum256([]byte(m.ID))
	msg := gomail.NewMsg(gomail.WithBoundary("wirewatch-" + hex.EncodeToString(sum[:16])))
	if err := msg.From(d.From); err != nil {
		return Payload{}, fmt.Errorf("from: %w", err)
	}
	if err := msg.To(d.To...); err != nil {
		return Payload{}, fmt.Errorf("to: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetDateWithValue(m.Window.End)
	msg.SetMessageIDWithValue(m.ID + "@" + addrDomain(d.From))
	msg.SetGenHeader(gomail.Header(digestHeader), m.ID)
	msg.SetBulk()
	msg.SetUserAgent("wirewatch-digest/1")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	var b bytes.Buffer
	if _, err := msg.WriteTo(&b); err != nil {
		return Payload{}, fmt.Errorf("render email: %w", err)
	}
	return Payload{ContentType: "message/rfc822", Body: b.Bytes()}, nil
}

func addrDomain(addr string) string {
	if a, err := mail.ParseAddress(addr); err == nil {
		if _, dom, ok := strings.Cut(a.Address, "@"); ok {
			return dom
		}
	}
	return "wirewatch.invalid"
}

// validateSMTPURL checks an smtp:// or smtps:// URL.
func validateSMTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" || u.Path != "" && u.Path != "/" {
		return errors.New("url: format \"smtp\" needs smtp://[user@]host[:port] (STARTTLS) or smtps://[user@]host[:port]")
	}
	return nil
}

// sendSMTP delivers the stored message bytes in one SMTP transaction and
// classifies the outcome: 4xx replies and network errors are retried, 5xx
// replies, a server without STARTTLS and certificate errors are permanent.
func sendSMTP(ctx context.Context, tlsBase *tls.Config, timeout time.Duration, d *Definition, rec store.Digest) result {
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := smtpTransaction(rctx, tlsBase, d, rec)
	if err == nil {
		return result{outcome: outcomeDelivered}
	}
	if ctx.Err() != nil {
		return result{outcome: outcomeAborted, err: ctx.Err().Error()}
	}
	r := result{outcome: outcomeRetry, err: "smtp: " + oneLine(err.Error(), 300)}
	var te *textproto.Error
	var cve *tls.CertificateVerificationError
	var uae x509.UnknownAuthorityError
	switch {
	case errors.As(err, &te):
		r.status = te.Code
		if te.Code >= 500 {
			r.outcome = outcomeFailed
		}
	case errors.Is(err, errNoStartTLS), errors.As(err, &cve), errors.As(err, &uae):
		r.outcome = outcomeFailed
	case errors.Is(err, context.DeadlineExceeded), rctx.Err() != nil:
		r.err = fmt.Sprintf("smtp: no response within %s", timeout)
	}
	return r
}

var errNoStartTLS = errors.New("server does not offer STARTTLS; refusing to send in clear (use smtps:// for implicit TLS)")

func smtpTransaction(ctx context.Context, tlsBase *tls.Config, d *Definition, rec store.Digest) error {
	u, err := url.Parse(d.URL)
	if err != nil {
		return err
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = map[string]string{"smtp": "587", "smtps": "465"}[u.Scheme]
	}
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() }) // unblocks reads on cancel
	defer stop()
	defer conn.Close()
	tcfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if tlsBase != nil {
		tcfg = tlsBase.Clone()
	}
	tcfg.ServerName = host
	if u.Scheme == "smtps" {
		conn = tls.Client(conn, tcfg)
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	if u.Scheme == "smtp" {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errNoStartTLS
		}
		if err := c.StartTLS(tcfg); err != nil {
			return err
		}
	}
	if d.Token.IsSet() {
		if err := c.Auth(smtp.PlainAuth("", u.User.Username(), d.Token.Reveal(), host, false)); err != nil {
			return err
		}
	}
	return smtpSend(c, d, rec.Body)
}

func smtpSend(c *smtp.Client, d *Definition, body []byte) error {
	from, err := mail.ParseAddress(d.From)
	if err != nil {
		return err
	}
	if err := c.Mail(from.Address); err != nil {
		return err
	}
	for _, t := range d.To {
		a, err := mail.ParseAddress(t)
		if err != nil {
			return err
		}
		if err := c.Rcpt(a.Address); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}
