package config

import (
	"encoding/json"
	"log/slog"
	"strconv"

	"gopkg.in/yaml.v3"
)

// redacted replaces a set secret wherever it would be printed.
const redacted = "[redacted]"

// Secret is a configuration value that must never reach a log, an error or
// `baoxiao config`. Every printing and marshalling path yields "[redacted]";
// an empty Secret yields "" so operators can still see that it is unset.
// Marshalling is one-way by design: decoding "[redacted]" gives "[redacted]".
// Reveal is the only way to read the value.
type Secret string

// Reveal returns the plain value, for the code that actually needs it.
func (s Secret) Reveal() string { return string(s) }

// String returns "[redacted]", or "" when the secret is unset.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return "config.Secret(" + strconv.Quote(s.String()) + ")" }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalText implements encoding.TextMarshaler, used by encoders that know no
// better (map keys, slog's text handler).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalYAML implements yaml.Marshaler.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// UnmarshalText implements encoding.TextUnmarshaler. It keeps the value, so a
// Secret decodes normally even though it never encodes its value.
func (s *Secret) UnmarshalText(b []byte) error {
	*s = Secret(b)
	return nil
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (s *Secret) UnmarshalYAML(n *yaml.Node) error {
	var v string
	if err := n.Decode(&v); err != nil {
		return err
	}
	*s = Secret(v)
	return nil
}
