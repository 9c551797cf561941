package domain

import (
	"encoding/hex"
	"strings"
	"time"
)

// OriginalSource says how an original (原件) reached us.
type OriginalSource string

// The sources of originals (DECISIONS 40 and 42).
const (
	SourceWalletPDF OriginalSource = "wallet_pdf" // downloaded from the wallet invoice's pdf_url
	SourceUpload    OriginalSource = "upload"
	SourceMail      OriginalSource = "mail"
	SourceERP       OriginalSource = "erp"
)

// Original is one stored file an invoice came from, content-addressed by
// the SHA-256 of its bytes (lower-case hex).
type Original struct {
	InvoiceID InvoiceID
	SHA256    string
	Name      string
	MediaType string
	Size      int64
	Source    OriginalSource
	CreatedAt time.Time
}

// ValidSHA256 says whether s is a SHA-256 in lower-case hex, the only form
// originals are named by (so a path segment can never be a path).
func ValidSHA256(s string) bool {
	if len(s) != 64 || strings.ToLower(s) != s {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// originalRank orders media types by preference: the structured XML first,
// then OFD, then PDF (DECISIONS 42); anything else last.
func originalRank(mediaType string) int {
	switch {
	case strings.Contains(mediaType, "xml"):
		return 0
	case strings.Contains(mediaType, "ofd"):
		return 1
	case mediaType == "application/pdf":
		return 2
	}
	return 3
}

// PreferredOriginal picks the original to show first: XML > OFD > PDF, the
// earliest stored among equals; false when there is none.
func PreferredOriginal(os []Original) (Original, bool) {
	best := -1
	for i, o := range os {
		if best < 0 || originalRank(o.MediaType) < originalRank(os[best].MediaType) ||
			(originalRank(o.MediaType) == originalRank(os[best].MediaType) && o.CreatedAt.Before(os[best].CreatedAt)) {
			best = i
		}
	}
	if best < 0 {
		return Original{}, false
	}
	return os[best], true
}
