package domain

import (
	"crypto/rand"
	"net/mail"
	"strings"
)

// maxEmail is the longest address SMTP carries (RFC 5321 path limit).
const maxEmail = 254

// ParseEmail checks a bare address (local@domain, no display name) and
// returns it trimmed and in lower case; "" stays "" (no address). Case is
// dropped because mail systems match addresses without it in practice, and
// the mailbox compares From with it (DECISIONS 48).
func ParseEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s || len(s) > maxEmail || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") {
		return "", Invalid("email", "must be a plain address like name@example.com")
	}
	return strings.ToLower(s), nil
}

// intakeAlphabet is base32's lower-case alphabet: no 0/1/8/9 to misread,
// and safe in an address's local part.
const intakeAlphabet = "abcdefghijklmnopqrstuvwxyz234567"

// intakeTokenLen gives 60 random bits: unguessable, short enough to type.
const intakeTokenLen = 12

// NewIntakeToken draws a random mailbox tag (DECISIONS 48).
func NewIntakeToken() string {
	var b [intakeTokenLen]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	for i := range b {
		b[i] = intakeAlphabet[b[i]%32]
	}
	return string(b[:])
}

// ValidIntakeToken says whether s has the shape of a mailbox tag.
func ValidIntakeToken(s string) bool {
	if len(s) < intakeTokenLen || len(s) > 32 {
		return false
	}
	for i := range len(s) {
		if !strings.ContainsRune(intakeAlphabet, rune(s[i])) {
			return false
		}
	}
	return true
}
