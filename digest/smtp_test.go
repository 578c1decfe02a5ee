package digest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/wirewatch/wirewatch/store"
)

// testCert makes a self-signed certificate for 127.0.0.1 and a pool that
// trusts it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// mailSink is an in-process SMTP server that requires STARTTLS and AUTH
// PLAIN, records messages, and rejects DATA with the scripted replies.
type mailSink struct {
	mu       sync.Mutex
	msgs     [][]byte
	rcpts    []string
	user     string
	rejects  []*smtp.SMTPError
	attempts int
}

type sinkSession struct {
	s    *mailSink
	auth bool
	to   []string
}

func (s *sinkSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *sinkSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "wire" || pass != "tok-SECRET-123" {
			return errors.New("bad credentials")
		}
		s.auth = true
		return nil
	}), nil
}
func (s *sinkSession) Mail(string, *smtp.MailOptions) error {
	if !s.auth {
		return &smtp.SMTPError{Code: 530, Message: "auth required"}
	}
	return nil
}
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = append(s.to, to); return nil }
func (s *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.s.mu.Lock()
	defer s.s.mu.Unlock()
	n := s.s.attempts
	s.s.attempts++
	if n < len(s.s.rejects) && s.s.rejects[n] != nil {
		return s.s.rejects[n]
	}
	s.s.msgs = append(s.s.msgs, b)
	s.s.rcpts = append(s.s.rcpts, s.to...)
	return nil
}
func (s *sinkSession) Reset()        { s.to = nil }
func (s *sinkSession) Logout() error { return nil }

// startSink serves SMTP on loopback; withTLS false offers no STARTTLS.
func startSink(t *testing.T, sink *mailSink, withTLS bool) (addr string, pool *x509.CertPool) {
	t.Helper()
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: sink}, nil }))
	srv.Domain = "127.0.0.1"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	if withTLS {
		cert, p := testCert(t)
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		pool = p
	} else {
		srv.AllowInsecureAuth = true
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String(), pool
}

func smtpEnv(t *testing.T, sink *mailSink, withTLS bool) *env {
	addr, pool := startSink(t, sink, withTLS)
	e := newEnv(t, FormatJSON, 200)
	e.def = testDefinition(t, FormatSMTP, "smtp://wire@"+addr)
	e.p.opts.SMTPTLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return e
}

func TestSMTPDeliversOverSTARTTLS(t *testing.T) {
	sink := &mailSink{}
	e := smtpEnv(t, sink, true)
	rec, ok, err := e.p.Send(context.Background(), e.def)
	if err != nil || !ok || rec.Status != store.DigestDelivered {
		t.Fatalf("send: %+v %v %v", rec, ok, err)
	}
	if len(sink.msgs) != 1 || len(sink.rcpts) != 1 || sink.rcpts[0] != "reader@example.com" {
		t.Fatalf("sink got %d messages, rcpts %v", len(sink.msgs), sink.rcpts)
	}
	m, err := mail.ReadMessage(strings.NewReader(string(sink.msgs[0])))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Header.Get("Message-Id"); got != "<"+rec.ID+"@example.org>" {
		t.Errorf("Message-ID %q", got)
	}
	if m.Header.Get("Subject") != "morning: 2 stories, 30 Oct 2025" || m.Header.Get(digestHeader) != rec.ID {
		t.Errorf("headers: %v", m.Header)
	}
	mt, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if mt != "multipart/alternative" {
		t.Fatalf("content type %q", mt)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var types []string
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		types = append(types, ct)
	}
	if strings.Join(types, ",") != "text/plain,text/html" {
		t.Errorf("parts %v", types)
	}
}

func TestSMTPMessageGolden(t *testing.T) {
	d := testDefinition(t, FormatSMTP, "smtp://wire@mail.example.org")
	m, err := Render(d, fixedID(""), Window{t0.Add(-24 * time.Hour), t0}, fixtureStories())
	if err != nil {
		t.Fatal(err)
	}
	a, err := Encode(d, m)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Encode(d, m)
	if string(a.Body) != string(b.Body) {
		t.Error("the same digest encoded to different bytes")
	}
	golden(t, "message-smtp.golden", a.Body)
}

func TestSMTPClassification(t *testing.T) {
	t.Run("451 retried, same message", func(t *testing.T) {
		sink := &mailSink{rejects: []*smtp.SMTPError{{Code: 451, Message: "try later"}}}
		e := smtpEnv(t, sink, true)
		rec, _, _ := e.p.Send(context.Background(), e.def)
		if rec.Status != store.DigestPending || rec.LastStatus != 451 {
			t.Fatalf("after 451: %+v", rec)
		}
		e.clk.Advance(2 * time.Hour)
		e.p.RetryDue(context.Background(), []*Definition{e.def})
		got, _ := e.st.Digest(context.Background(), rec.ID)
		if got.Status != store.DigestDelivered || len(sink.msgs) != 1 {
			t.Fatalf("after retry: %q, %d messages", got.Status, len(sink.msgs))
		}
		lf := func(b []byte) string { return strings.ReplaceAll(string(b), "\r\n", "\n") }
		if lf(sink.msgs[0]) != lf(rec.Body) {
			t.Error("the retried message differs from the outbox copy")
		}
	})
	t.Run("550 permanent", func(t *testing.T) {
		sink := &mailSink{rejects: []*smtp.SMTPError{{Code: 550, Message: "no such user"}}}
		e := smtpEnv(t, sink, true)
		rec, _, err := e.p.Send(context.Background(), e.def)
		var derr *DeliveryError
		if !errors.As(err, &derr) || !derr.Permanent || rec.Status != store.DigestFailed || !strings.Contains(rec.LastError, "no such user") {
			t.Errorf("after 550: %+v %v", rec, err)
		}
	})
	t.Run("no STARTTLS refused", func(t *testing.T) {
		sink := &mailSink{}
		e := smtpEnv(t, sink, false)
		rec, _, _ := e.p.Send(context.Background(), e.def)
		if rec.Status != store.DigestFailed || !strings.Contains(rec.LastError, "STARTTLS") || len(sink.msgs) != 0 {
			t.Errorf("plain server: %+v", rec)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		sink := &mailSink{}
		e := smtpEnv(t, sink, true)
		e.p.opts.SMTPTLS = nil // system roots do not trust the test CA
		rec, _, _ := e.p.Send(context.Background(), e.def)
		if rec.Status != store.DigestFailed || len(sink.msgs) != 0 {
			t.Errorf("untrusted cert: %+v", rec)
		}
		if strings.Contains(e.logs.String(), "SECRET") {
			t.Error("password in logs")
		}
	})
}
