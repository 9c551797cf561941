package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/baoxiao/baoxiao/domain"
)

// OpenApp is an ERP client of the open API. A deployment has several
// (DECISIONS 1); each signs its calls with its own secret.
type OpenApp struct {
	ID        string
	Name      string
	CreatedAt time.Time
	RevokedAt time.Time // zero while the app may call
}

// Active reports whether the app may still call.
func (a OpenApp) Active() bool { return a.RevokedAt.IsZero() }

// AppRecord is an app as stored: its secret sealed with auth.data_key.
type AppRecord struct {
	OpenApp
	SealedSecret string
}

// AppStore keeps the open-API apps.
type AppStore interface {
	AddApp(ctx context.Context, rec AppRecord) error
	App(ctx context.Context, id string) (AppRecord, error)
	ListApps(ctx context.Context) ([]AppRecord, error)
	RevokeApp(ctx context.Context, id string, now time.Time) error
}

// Sealer encrypts secrets kept at rest (DECISIONS 18). aad binds a sealed
// value to its row, so a value copied to another row does not open.
type Sealer interface {
	Seal(plain, aad string) (string, error)
	Open(sealed, aad string) (string, error)
}

// NonceStore remembers the nonces (and Yuanian signs) seen within the
// replay window, in the database so every instance sees them.
type NonceStore interface {
	// Remember records key for the app until expires. A key remembered
	// before and not yet expired is domain.ErrSignatureReplayed.
	Remember(ctx context.Context, appID, key string, now, expires time.Time) error
	DeleteExpired(ctx context.Context, now time.Time) error
}

// IdempotentAnswer is the stored answer to a mutating call.
type IdempotentAnswer struct {
	Status int
	Body   []byte
}

// IdempotencyStore keeps Idempotency-Keys with the body hash and answer.
type IdempotencyStore interface {
	// Reserve claims the key for a request with this body hash. It answers
	// the stored answer when the same request already finished;
	// ErrIdempotencyConflict when the key came with another request, or
	// is held by a request still running and not older than staleBefore.
	// A reservation older than staleBefore is taken over.
	Reserve(ctx context.Context, appID, key, endpoint, bodyHash string, now, staleBefore time.Time) (*IdempotentAnswer, error)
	Complete(ctx context.Context, appID, key string, ans IdempotentAnswer, now time.Time) error
	Release(ctx context.Context, appID, key string) error
	DeleteBefore(ctx context.Context, before time.Time) error
}

// OpenAPICall is one call of the open API as recorded: who, what, the
// outcome and how long. It never holds a body or a secret.
type OpenAPICall struct {
	AppID     string
	Profile   string // "native" or "yuanian"
	Method    string
	Endpoint  string // the route, e.g. /open/v1/invoices/:id
	Status    int    // HTTP status (always 200 on the Yuanian profile)
	Result    string // "ok", an error code, or a Yuanian result code
	Latency   time.Duration
	RequestID string
	At        time.Time
}

// CallLog records open-API calls.
type CallLog interface {
	RecordCall(ctx context.Context, c OpenAPICall) error
	DeleteCallsBefore(ctx context.Context, before time.Time) error
}

// The replay rules: a timestamp more than MaxSkew from our clock is
// refused, so a nonce must be remembered for twice that (a request stamped
// MaxSkew ahead stays acceptable until 2×MaxSkew later). The Yuanian
// profile refuses an app's sign seen within YuanianReplay.
const (
	MaxSkew         = 5 * time.Minute
	nonceWindow     = 2 * MaxSkew
	YuanianReplay   = 10 * time.Minute
	YuanianTokenTTL = 2 * time.Hour
	// idempotencyStale is how long a reserved key blocks a retry: longer
	// than any request may run. A crash between the change and storing
	// the answer then heals by running again, which the use cases allow
	// (re-importing answers the same invoices; a status set twice is set).
	idempotencyStale = 2 * time.Minute
	idempotencyKeep  = 24 * time.Hour
	callsKeep        = 90 * 24 * time.Hour
)

// Open-API errors beyond shared/API.md's table.
var (
	ErrIdempotencyConflict   = &domain.Error{Code: "idempotency.conflict", Message: "this Idempotency-Key was already used with a different request"}
	ErrIdempotencyInProgress = ErrIdempotencyConflict.WithMessage("a request with this Idempotency-Key is still being processed; retry in a moment")
)

// OpenAPI authenticates ERP clients, on both profiles, and keeps their
// apps, nonces, idempotency keys and call log.
type OpenAPI struct {
	apps   AppStore
	sealer Sealer
	nonces NonceStore
	idem   IdempotencyStore
	calls  CallLog
	clock  Clock
}

// NewOpenAPI returns the open-API service.
func NewOpenAPI(apps AppStore, sealer Sealer, nonces NonceStore, idem IdempotencyStore, calls CallLog, clock Clock) *OpenAPI {
	return &OpenAPI{apps: apps, sealer: sealer, nonces: nonces, idem: idem, calls: calls, clock: clock}
}

func randomText(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails on Linux
	return base64.RawURLEncoding.EncodeToString(b)
}

func appAAD(id string) string { return "open_apps:" + id }

// CreateApp adds an app and returns its secret, which is shown this once:
// only its sealed form is kept.
func (o *OpenAPI) CreateApp(ctx context.Context, name string) (OpenApp, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return OpenApp{}, "", domain.Invalid("name", "1 to 100 characters")
	}
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	a := OpenApp{ID: "app_" + hex.EncodeToString(b), Name: name, CreatedAt: o.clock.Now()}
	secret := "bxs_" + randomText(32)
	sealed, err := o.sealer.Seal(secret, appAAD(a.ID))
	if err != nil {
		return OpenApp{}, "", err
	}
	if err := o.apps.AddApp(ctx, AppRecord{OpenApp: a, SealedSecret: sealed}); err != nil {
		return OpenApp{}, "", err
	}
	return a, secret, nil
}

// Apps lists every app, revoked ones too.
func (o *OpenAPI) Apps(ctx context.Context) ([]OpenApp, error) {
	recs, err := o.apps.ListApps(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]OpenApp, len(recs))
	for i, r := range recs {
		out[i] = r.OpenApp
	}
	return out, nil
}

// RevokeApp stops an app: its next call is refused on every instance.
func (o *OpenAPI) RevokeApp(ctx context.Context, id string) error {
	return o.apps.RevokeApp(ctx, id, o.clock.Now())
}

// errUnknownApp does not say whether the app never existed or was revoked.
var errUnknownApp = domain.ErrSignatureInvalid.WithMessage("unknown or revoked app")

// secretOf loads an active app and opens its secret.
func (o *OpenAPI) secretOf(ctx context.Context, id string) (OpenApp, string, error) {
	if id == "" || len(id) > 64 {
		return OpenApp{}, "", errUnknownApp
	}
	rec, err := o.apps.App(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return OpenApp{}, "", errUnknownApp
	}
	if err != nil {
		return OpenApp{}, "", err
	}
	if !rec.Active() {
		return OpenApp{}, "", errUnknownApp
	}
	secret, err := o.sealer.Open(rec.SealedSecret, appAAD(rec.ID))
	if err != nil {
		// A changed auth.data_key: the operator must know, the client not.
		return OpenApp{}, "", errors.New("open the secret of app " + rec.ID + ": " + err.Error() + " (was auth.data_key changed?)")
	}
	return rec.OpenApp, secret, nil
}

// NativeRequest is a signed call of the native profile (DECISIONS 23).
type NativeRequest struct {
	AppID, Timestamp, Nonce, Signature string
	Method                             string
	Target                             string // path and query exactly as sent
	Body                               []byte
}

// VerifyNative checks a native call's signature, clock skew and nonce and
// answers the calling app.
func (o *OpenAPI) VerifyNative(ctx context.Context, r NativeRequest) (OpenApp, error) {
	if r.AppID == "" || r.Timestamp == "" || r.Nonce == "" || r.Signature == "" {
		return OpenApp{}, domain.ErrAuthRequired.WithMessage("sign the request: X-Baoxiao-App, X-Baoxiao-Timestamp, X-Baoxiao-Nonce and X-Baoxiao-Signature are required")
	}
	if len(r.Nonce) > 128 {
		return OpenApp{}, domain.ErrSignatureInvalid.WithMessage("X-Baoxiao-Nonce: at most 128 characters")
	}
	ts, err := strconv.ParseInt(r.Timestamp, 10, 64)
	if err != nil {
		return OpenApp{}, domain.ErrSignatureInvalid.WithMessage("X-Baoxiao-Timestamp must be Unix seconds")
	}
	now := o.clock.Now()
	if d := now.Sub(time.Unix(ts, 0)); d > MaxSkew || d < -MaxSkew {
		return OpenApp{}, domain.ErrSignatureReplayed.WithMessage("X-Baoxiao-Timestamp is more than 5 minutes away from the server's clock")
	}
	a, secret, err := o.secretOf(ctx, r.AppID)
	if err != nil {
		return OpenApp{}, err
	}
	want := NativeSignature(secret, NativeStringToSign(r.Method, r.Target, r.Timestamp, r.Nonce, r.Body))
	if !hmac.Equal([]byte(strings.ToLower(r.Signature)), []byte(want)) {
		return OpenApp{}, domain.ErrSignatureInvalid
	}
	// Only a correctly signed request uses up its nonce.
	if err := o.nonces.Remember(ctx, a.ID, "n:"+r.Nonce, now, now.Add(nonceWindow)); err != nil {
		return OpenApp{}, err
	}
	return a, nil
}

// YuanianRequest is a call of the Yuanian-compatible profile: its header
// fields as text and its body exactly as sent.
type YuanianRequest struct {
	Header    map[string]string
	Body      []byte
	NeedToken bool // every endpoint but the token endpoint itself
	// Endpoint is the route the call came to, as registered (never the
	// raw path, whose case and trailing slash the router ignores). The
	// sign does not cover it (see VerifyYuanian).
	Endpoint string
}

// YuanianAppID reads the app id from a Yuanian header; the seed's tables
// spell it "appld" (an OCR slip), which is accepted too.
func YuanianAppID(h map[string]string) string {
	if id := h["appId"]; id != "" {
		return id
	}
	return h["appld"]
}

// VerifyYuanian checks a Yuanian call: the fixed header values, the
// timestamp (Asia/Shanghai, within 5 minutes), the MD5 sign, the token,
// and that this app's sign was not seen at this endpoint within 10
// minutes.
//
// The seed's sign covers the header and the body, not the path: Yuanian
// clients compute it that way, so the path cannot be added without
// breaking them. The replay memory is keyed by endpoint and sign, so a
// legitimate call to another endpoint that happens to carry the same sign
// (same header and body within a second) is not refused as a replay;
// what the sign cannot prove, the endpoint, is left to TLS (README, ERP).
func (o *OpenAPI) VerifyYuanian(ctx context.Context, r YuanianRequest) (OpenApp, error) {
	h := r.Header
	appID := YuanianAppID(h)
	if appID == "" || h["sign"] == "" {
		return OpenApp{}, domain.ErrAuthRequired.WithMessage("header.appId and header.sign are required")
	}
	for k, want := range map[string]string{"vendor": "WECHAT", "format": "JSON", "version": "v1.0"} {
		if v, ok := h[k]; ok && !strings.EqualFold(v, want) {
			return OpenApp{}, domain.Invalid("header."+k, "must be "+want)
		}
	}
	ts, err := time.ParseInLocation(YuanianTimeLayout, h["timestamp"], Shanghai)
	if err != nil {
		return OpenApp{}, domain.Invalid("header.timestamp", "must be yyyy-MM-ddTHH:mm:ss (Asia/Shanghai)")
	}
	now := o.clock.Now()
	if d := now.Sub(ts); d > MaxSkew || d < -MaxSkew {
		return OpenApp{}, domain.ErrSignatureReplayed.WithMessage("header.timestamp is more than 5 minutes away from the server's clock")
	}
	a, secret, err := o.secretOf(ctx, appID)
	if err != nil {
		return OpenApp{}, err
	}
	sign := strings.ToUpper(h["sign"])
	if !hmac.Equal([]byte(sign), []byte(YuanianSign(h, r.Body, secret))) {
		return OpenApp{}, domain.ErrSignatureInvalid.WithMessage("the sign does not match")
	}
	if r.NeedToken {
		if h["token"] == "" || checkToken(secret, a.ID, h["token"], now) != nil {
			return OpenApp{}, domain.ErrAuthRequired.WithMessage("header.token is missing, invalid or expired; get one from /openapi/auth/token")
		}
	}
	if err := o.nonces.Remember(ctx, a.ID, "s:"+r.Endpoint+" "+sign, now, now.Add(YuanianReplay)); err != nil {
		return OpenApp{}, err
	}
	return a, nil
}

// IssueToken mints a Yuanian token (an HS512 JWT, the seed's format) for
// an app whose call was verified; it is valid for YuanianTokenTTL.
func (o *OpenAPI) IssueToken(ctx context.Context, appID string) (string, time.Time, error) {
	_, secret, err := o.secretOf(ctx, appID)
	if err != nil {
		return "", time.Time{}, err
	}
	now := o.clock.Now()
	exp := now.Add(YuanianTokenTTL)
	return mintToken(secret, tokenClaims{Sub: appID, Salt: randomText(12), Iat: now.Unix(), Exp: exp.Unix()}), exp, nil
}

// BeginIdempotent reserves an Idempotency-Key for a mutating call. A
// stored answer means the call already ran: send that answer again.
func (o *OpenAPI) BeginIdempotent(ctx context.Context, appID, key, endpoint string, body []byte) (*IdempotentAnswer, error) {
	if key == "" {
		return nil, domain.Invalid("Idempotency-Key", "header required on every mutating call")
	}
	if len(key) > 255 {
		return nil, domain.Invalid("Idempotency-Key", "at most 255 characters")
	}
	for _, c := range []byte(key) {
		if c < 0x21 || c > 0x7e {
			return nil, domain.Invalid("Idempotency-Key", "printable ASCII without spaces")
		}
	}
	sum := sha256.Sum256(body)
	now := o.clock.Now()
	return o.idem.Reserve(ctx, appID, key, endpoint, hex.EncodeToString(sum[:]), now, now.Add(-idempotencyStale))
}

// FinishIdempotent stores the answer of a reserved key.
func (o *OpenAPI) FinishIdempotent(ctx context.Context, appID, key string, ans IdempotentAnswer) error {
	return o.idem.Complete(ctx, appID, key, ans, o.clock.Now())
}

// AbortIdempotent frees a reserved key whose call failed for a reason a
// retry may not meet again (the server or WeChat was unavailable).
func (o *OpenAPI) AbortIdempotent(ctx context.Context, appID, key string) error {
	return o.idem.Release(ctx, appID, key)
}

// Why RecordCall left a call out of the log: fixed words, fit for a
// metric's label (never the claimed app id, which is anyone's to invent).
const (
	UnloggedNoApp      = "no_app"      // the call named no app
	UnloggedUnknownApp = "unknown_app" // the app it named does not exist
	UnloggedLookup     = "lookup_failed"
)

// RecordCall logs one open-API call; verified says its app was
// authenticated. A refused call is logged under the app it claims only
// when that app exists (revoked ones included: their owner wants to see
// them): anyone can claim any id, and the log must not fill with made-up
// ones. It answers "" when the call went to the log, else why not (one of
// the Unlogged words). A failure to record is logged, not passed on: the
// caller's answer does not depend on it.
func (o *OpenAPI) RecordCall(ctx context.Context, c OpenAPICall, verified bool) string {
	if !verified {
		if c.AppID == "" {
			return UnloggedNoApp
		}
		if len(c.AppID) > 64 {
			return UnloggedUnknownApp // no app has so long an id
		}
		_, err := o.apps.App(ctx, c.AppID)
		if errors.Is(err, domain.ErrNotFound) {
			return UnloggedUnknownApp
		}
		if err != nil {
			slog.WarnContext(ctx, "record open-API call: look up its app", "endpoint", c.Endpoint, "err", err)
			return UnloggedLookup
		}
	}
	if c.At.IsZero() {
		c.At = o.clock.Now()
	}
	if err := o.calls.RecordCall(ctx, c); err != nil {
		slog.WarnContext(ctx, "record open-API call", "endpoint", c.Endpoint, "err", err)
	}
	return ""
}

// Tidy deletes what the open API no longer needs: nonces past their
// window, idempotency keys after a day, the call log after 90 days.
func (o *OpenAPI) Tidy(ctx context.Context) error {
	now := o.clock.Now()
	return errors.Join(
		o.nonces.DeleteExpired(ctx, now),
		o.idem.DeleteBefore(ctx, now.Add(-idempotencyKeep)),
		o.calls.DeleteCallsBefore(ctx, now.Add(-callsKeep)),
	)
}
