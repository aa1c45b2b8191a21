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

// UploadStore keeps upload metadata.
type UploadStore interface {
	CreateUpload(ctx context.Context, u *Upload) error
	UploadByID(ctx context.Context, id int64) (*Upload, error)
	// UploadsOwnedBy returns those of ids that ownerID uploaded, in the order of ids.
	UploadsOwnedBy(ctx context.Context, ids []int64, ownerID int64) ([]Upload, error)
}

// BlobStorage stores upload bytes; the data directory today, object storage later.
type BlobStorage interface {
	Put(ctx context.Context, key string, r io.Reader) error
	Open(ctx context.Context, key string) (io.ReadCloser, error)
}
