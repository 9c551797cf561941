package storage_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/infra/storage"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// The s3 driver runs the contract of the dir and db drivers against
// gofakes3 on loopback (DECISIONS 51). gofakes3 does not check request
// signatures: wrong keys would pass here, so what this proves is the
// requests, the key layout and the answers, not the credentials.
func TestS3Driver(t *testing.T) {
	fake := testkit.S3(t)
	b, err := storage.Open(config.Storage{Driver: storage.DriverS3, S3: fake.Config}, nil)
	if err != nil {
		t.Fatal(err)
	}
	driverSuite(t, b, func(t *testing.T, name string) {
		key := "originals/" + name[:2] + "/" + name
		if _, err := fake.Backend.HeadObject(fake.Config.Bucket, key); err != nil {
			t.Fatalf("object %s: %v (the key is prefix + fan-out + name)", key, err)
		}
		tampered := []byte("%PDF-1.4 an invoicf")
		if _, err := fake.Backend.PutObject(fake.Config.Bucket, key, map[string]string{}, bytes.NewReader(tampered), int64(len(tampered)), nil); err != nil {
			t.Fatal(err)
		}
	})
	if has, err := b.Has(context.Background(), "../../etc/passwd"); err != nil || has {
		t.Fatalf("Has of a path name = %v, %v", has, err)
	}

	s3, ok := b.(*storage.S3)
	if !ok {
		t.Fatalf("Open gave %T", b)
	}
	if msg, err := s3.Check(context.Background()); err != nil || !strings.Contains(msg, "reachable") {
		t.Fatalf("Check = %q, %v", msg, err)
	}
}

func TestS3DriverMissingBucket(t *testing.T) {
	cfg := testkit.S3(t).Config
	cfg.Bucket = "no-such-bucket"
	d, err := storage.NewS3(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("Check of a missing bucket = %v", err)
	}
	data := []byte("x")
	if err := d.Put(context.Background(), sum(data), data); err == nil {
		t.Fatal("Put into a missing bucket succeeded")
	}
}

func TestNewS3RefusesBadEndpoint(t *testing.T) {
	for _, ep := range []string{"", "s3.example.com", "ftp://s3.example.com"} {
		if _, err := storage.NewS3(config.S3{Endpoint: ep, Bucket: "baoxiao"}); err == nil {
			t.Errorf("endpoint %q accepted", ep)
		}
	}
}
