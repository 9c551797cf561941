package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/domain"
)

// S3 keeps blobs as objects of an S3-compatible store (AWS S3, MinIO,
// Aliyun OSS, Tencent COS, Ceph RGW …), keyed <prefix>ab/abcdef… like the
// dir driver's files: for large deployments, shared by every instance.
// minio-go is the client: it speaks SigV4 to any such store with fewer
// modules than aws-sdk-go-v2's s3.
type S3 struct {
	client *minio.Client
	bucket string
	prefix string
}

// NewS3 returns the s3 driver. It makes no request: `baoxiao doctor`
// checks that the bucket is reachable (Check).
func NewS3(o config.S3) (*S3, error) {
	u, err := url.Parse(o.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("storage.s3.endpoint: must be an http(s) URL")
	}
	if o.Bucket == "" {
		return nil, errors.New("storage.s3.bucket: must not be empty")
	}
	lookup := minio.BucketLookupDNS
	if o.PathStyle {
		lookup = minio.BucketLookupPath
	}
	c, err := minio.New(u.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(o.AccessKey, o.SecretKey.Reveal(), ""),
		Secure:       u.Scheme == "https",
		Region:       o.Region,
		BucketLookup: lookup,
	})
	if err != nil {
		// minio's messages name the endpoint, never the keys.
		return nil, fmt.Errorf("storage.s3: %w", err)
	}
	return &S3{client: c, bucket: o.Bucket, prefix: o.Prefix}, nil
}

func (s *S3) key(sum string) string { return s.prefix + sum[:2] + "/" + sum }

// Put uploads data as sum unless an object of that name exists already.
// Content-MD5 goes along, so the store refuses bytes damaged on the way.
func (s *S3) Put(ctx context.Context, sum string, data []byte) error {
	if err := check(sum, data); err != nil {
		return err
	}
	if has, err := s.Has(ctx, sum); err != nil || has {
		return err
	}
	_, err := s.client.PutObject(ctx, s.bucket, s.key(sum), bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{
		ContentType: "application/octet-stream", SendContentMd5: true, DisableMultipart: true,
	})
	if err != nil {
		return fmt.Errorf("put blob %s: %w", sum, err)
	}
	return nil
}

// Open downloads sum and checks its hash.
func (s *S3) Open(ctx context.Context, sum string) ([]byte, error) {
	if !domain.ValidSHA256(sum) {
		return nil, domain.ErrNotFound
	}
	obj, err := s.client.GetObject(ctx, s.bucket, s.key(sum), minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", sum, err)
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	return opened(sum, data, notFound(err), err)
}

// Has says whether an object named sum exists (a HEAD request).
func (s *S3) Has(ctx context.Context, sum string) (bool, error) {
	if !domain.ValidSHA256(sum) {
		return false, nil
	}
	_, err := s.client.StatObject(ctx, s.bucket, s.key(sum), minio.StatObjectOptions{})
	if notFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("stat blob %s: %w", sum, err)
	}
	return true, nil
}

// Check says whether the bucket exists and the keys may read it, for
// `baoxiao doctor`.
func (s *S3) Check(ctx context.Context) (string, error) {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return "", fmt.Errorf("bucket %s: %w", s.bucket, err)
	}
	if !ok {
		return "", fmt.Errorf("bucket %s does not exist: create it first", s.bucket)
	}
	return "bucket " + s.bucket + " reachable", nil
}

// notFound is S3's answer for a missing object.
func notFound(err error) bool {
	if err == nil {
		return false
	}
	r := minio.ToErrorResponse(err)
	return r.Code == "NoSuchKey" || r.StatusCode == http.StatusNotFound && r.Code != "NoSuchBucket"
}
