package digest

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// Secret holds a token or signing key. It never prints itself: String,
// GoString, MarshalText and LogValue all give "[redacted]", so a Secret can sit
// in a struct that is logged or dumped without leaking.
type Secret struct {
	value string
}

// NewSecret wraps a value.
func NewSecret(v string) Secret { return Secret{value: v} }

// LoadSecret reads a secret from a file (trailing newline trimmed) or from an
// environment variable. At most one source may be given; none gives an empty
// Secret. what names the setting in errors ("token", "secret").
func LoadSecret(what, file, env string) (Secret, error) {
	switch {
	case file != "" && env != "":
		return Secret{}, fmt.Errorf("%s: set %s_file or %s_env, not both", what, what, what)
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return Secret{}, fmt.Errorf("%s_file: %w", what, err)
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return Secret{}, fmt.Errorf("%s_file %s is empty", what, file)
		}
		return Secret{value: v}, nil
	case env != "":
		v, ok := os.LookupEnv(env)
		if !ok || v == "" {
			return Secret{}, fmt.Errorf("%s_env: environment variable %s is not set", what, env)
		}
		return Secret{value: v}, nil
	}
	return Secret{}, nil
}

// IsSet reports whether the secret has a value.
func (s Secret) IsSet() bool { return s.value != "" }

// Reveal returns the secret's value, for the one place that sends it.
func (s Secret) Reveal() string { return s.value }

// String implements fmt.Stringer without revealing the value.
func (s Secret) String() string {
	if s.value == "" {
		return ""
	}
	return "[redacted]"
}

// GoString implements fmt.GoStringer without revealing the value.
func (s Secret) GoString() string { return s.String() }

// MarshalText keeps the value out of JSON and TOML dumps.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LogValue implements slog.LogValuer: secrets are redacted in every log.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

var errEmptySecret = errors.New("empty secret")
