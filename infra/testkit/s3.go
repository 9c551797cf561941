package testkit

import (
	"net/http/httptest"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/baoxiao/baoxiao/config"
)

// S3Server is an S3-compatible store in memory on loopback, for the s3
// storage driver (DECISIONS 51: no real S3-compatible server installs
// here). gofakes3 does not check request signatures, so these tests prove
// the requests and answers, not the credentials.
type S3Server struct {
	Config  config.S3
	Backend *s3mem.Backend
}

// S3 starts the store with one empty bucket until the test ends.
func S3(t testing.TB) *S3Server {
	t.Helper()
	be := s3mem.New()
	if err := be.CreateBucket("baoxiao-originals"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(be, gofakes3.WithIntegrityCheck(true)).Server())
	t.Cleanup(srv.Close)
	return &S3Server{Backend: be, Config: config.S3{
		Endpoint: srv.URL, Bucket: "baoxiao-originals", Region: "us-east-1",
		AccessKey: "test-access-key", SecretKey: "test-secret-key", PathStyle: true, Prefix: "originals/",
	}}
}

// Env is the configuration of the store as BAOXIAO_ variables, for
// WithEnv: storage.driver s3 and its keys.
func (s *S3Server) Env() []string {
	c := s.Config
	return []string{
		"BAOXIAO_STORAGE_DRIVER=s3", "BAOXIAO_STORAGE_S3_ENDPOINT=" + c.Endpoint, "BAOXIAO_STORAGE_S3_BUCKET=" + c.Bucket,
		"BAOXIAO_STORAGE_S3_REGION=" + c.Region, "BAOXIAO_STORAGE_S3_ACCESS_KEY=" + c.AccessKey,
		"BAOXIAO_STORAGE_S3_SECRET_KEY=" + c.SecretKey.Reveal(), "BAOXIAO_STORAGE_S3_PREFIX=" + c.Prefix,
	}
}
