package service

import (
	"context"
	"io"
	"time"
)

// Upload is an image a user uploaded before attaching it to an opinion or a reply.
type Upload struct {
	ID          int64
	OwnerID     int64
	ContentType string // image/jpeg, image/png or image/webp, sniffed from the bytes
	Size        int64
	StorageKey  string
	CreatedAt   time.Time
}

// BlobStorage stores upload bytes; the data directory today, object storage later.
type BlobStorage interface {
	Put(ctx context.Context, key string, r io.Reader) error
	Open(ctx context.Context, key string) (io.ReadCloser, error)
}
