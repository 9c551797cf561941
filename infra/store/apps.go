package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
)

// SecretBox seals secrets kept at rest (open-API app secrets, webhook
// signing secrets) with AES-256-GCM under a key derived from auth.data_key
// (DECISIONS 18). A sealed value is "v1:" and base64 of nonce‖ciphertext.
type SecretBox struct{ aead cipher.AEAD }

// NewSecretBox derives the sealing key from the data key.
func NewSecretBox(dataKey string) (*SecretBox, error) {
	if dataKey == "" {
		return nil, errors.New("auth.data_key is empty: it encrypts the open API's secrets")
	}
	mac := hmac.New(sha256.New, []byte(dataKey))
	mac.Write([]byte("baoxiao secrets at rest v1"))
	block, err := aes.NewCipher(mac.Sum(nil))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &SecretBox{aead: aead}, nil
}

const sealPrefix = "v1:"

// Seal encrypts plain; aad (e.g. the row's id) must be given again to open.
func (b *SecretBox) Seal(plain, aad string) (string, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := b.aead.Seal(nonce, nonce, []byte(plain), []byte(aad))
	return sealPrefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts a sealed value. It fails on a wrong key or aad, saying
// nothing of the value.
func (b *SecretBox) Open(sealed, aad string) (string, error) {
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(sealed, sealPrefix))
	n := b.aead.NonceSize()
	if err != nil || !strings.HasPrefix(sealed, sealPrefix) || len(raw) < n {
		return "", errors.New("sealed secret is malformed")
	}
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], []byte(aad))
	if err != nil {
		return "", errors.New("sealed secret does not open with this data key")
	}
	return string(plain), nil
}

var _ app.Sealer = (*SecretBox)(nil)

// Apps stores the open API's apps.
type Apps struct{ db bun.IDB }

// NewApps returns the app repository on db.
func NewApps(db bun.IDB) *Apps { return &Apps{db: db} }

type appRow struct {
	bun.BaseModel `bun:"table:open_apps"`

	ID           string `bun:",pk"`
	Name         string
	SecretSealed string
	CreatedAt    time.Time
	RevokedAt    time.Time `bun:",nullzero"`
}

func (r appRow) toApp() app.AppRecord {
	return app.AppRecord{
		OpenApp:      app.OpenApp{ID: r.ID, Name: r.Name, CreatedAt: utc(r.CreatedAt), RevokedAt: utc(r.RevokedAt)},
		SealedSecret: r.SecretSealed,
	}
}

// AddApp stores a new app.
func (s *Apps) AddApp(ctx context.Context, rec app.AppRecord) error {
	row := appRow{ID: rec.ID, Name: rec.Name, SecretSealed: rec.SealedSecret, CreatedAt: rec.CreatedAt.UTC(), RevokedAt: utc(rec.RevokedAt)}
	if _, err := s.db.NewInsert().Model(&row).Exec(ctx); err != nil {
		return fmt.Errorf("add app %s: %w", rec.ID, err)
	}
	return nil
}

// App loads one app.
func (s *Apps) App(ctx context.Context, id string) (app.AppRecord, error) {
	var row appRow
	if err := s.db.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return app.AppRecord{}, notFound(err, "app "+id)
	}
	return row.toApp(), nil
}

// ListApps lists every app, oldest first.
func (s *Apps) ListApps(ctx context.Context) ([]app.AppRecord, error) {
	var rows []appRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr("created_at, id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list apps: %w", err)
	}
	out := make([]app.AppRecord, len(rows))
	for i, r := range rows {
		out[i] = r.toApp()
	}
	return out, nil
}

// RevokeApp marks an app revoked; revoking twice keeps the first time.
func (s *Apps) RevokeApp(ctx context.Context, id string, now time.Time) error {
	if _, err := s.App(ctx, id); err != nil {
		return err
	}
	_, err := s.db.NewUpdate().Model((*appRow)(nil)).Set("revoked_at = ?", now.UTC()).
		Where("id = ?", id).Where("revoked_at IS NULL").Exec(ctx)
	if err != nil {
		return fmt.Errorf("revoke app %s: %w", id, err)
	}
	return nil
}

var _ app.AppStore = (*Apps)(nil)

// CallLog stores the record of open-API calls.
type CallLog struct{ db bun.IDB }

// NewCallLog returns the call log on db.
func NewCallLog(db bun.IDB) *CallLog { return &CallLog{db: db} }

type callRow struct {
	bun.BaseModel `bun:"table:open_api_calls"`

	ID        int64 `bun:",pk,autoincrement"`
	AppID     string
	Profile   string
	Method    string
	Endpoint  string
	Status    int
	Result    string
	LatencyMS int
	RequestID string
	At        time.Time
}

// RecordCall appends one call.
func (s *CallLog) RecordCall(ctx context.Context, c app.OpenAPICall) error {
	row := callRow{
		AppID: c.AppID, Profile: c.Profile, Method: c.Method, Endpoint: truncate(c.Endpoint, 100),
		Status: c.Status, Result: truncate(c.Result, 64), LatencyMS: int(c.Latency.Milliseconds()),
		RequestID: truncate(c.RequestID, 64), At: c.At.UTC(),
	}
	if _, err := s.db.NewInsert().Model(&row).Exec(ctx); err != nil {
		return fmt.Errorf("record open-API call: %w", err)
	}
	return nil
}

// Calls lists an app's calls ("" for all apps), newest first.
func (s *CallLog) Calls(ctx context.Context, appID string, limit int) ([]app.OpenAPICall, error) {
	var rows []callRow
	q := s.db.NewSelect().Model(&rows).OrderExpr("id DESC").Limit(int64(limit))
	if appID != "" {
		q = q.Where("app_id = ?", appID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("list open-API calls: %w", err)
	}
	out := make([]app.OpenAPICall, len(rows))
	for i, r := range rows {
		out[i] = app.OpenAPICall{
			AppID: r.AppID, Profile: r.Profile, Method: r.Method, Endpoint: r.Endpoint, Status: r.Status,
			Result: r.Result, Latency: time.Duration(r.LatencyMS) * time.Millisecond, RequestID: r.RequestID, At: utc(r.At),
		}
	}
	return out, nil
}

// DeleteCallsBefore forgets calls older than before.
func (s *CallLog) DeleteCallsBefore(ctx context.Context, before time.Time) error {
	if _, err := s.db.NewDelete().Model((*callRow)(nil)).Where("at < ?", before.UTC()).Exec(ctx); err != nil {
		return fmt.Errorf("delete old open-API calls: %w", err)
	}
	return nil
}

var _ app.CallLog = (*CallLog)(nil)
