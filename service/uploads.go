package service

import (
	"context"
	"fmt"
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
	// Delete removes the blob; one already gone is not an error.
	Delete(ctx context.Context, key string) error
}

// UploadOwners tells which uploads belong to a user; every area that attaches uploads (opinions,
// duty records, study material) checks through it that they are the caller's own.
type UploadOwners interface {
	// UploadsOwnedBy returns those of ids that ownerID uploaded, in the order of ids.
	UploadsOwnedBy(ctx context.Context, ids []int64, ownerID int64) ([]Upload, error)
}

// CheckUploadIDs checks a list of upload IDs: at most maxN, each positive, none twice.
func CheckUploadIDs(v *Validator, field string, ids []int64, maxN int) {
	v.Check(len(ids) <= maxN, field, FieldTooLong, fmt.Sprintf("最多上传 %d 张图片", maxN))
	seen := map[int64]bool{}
	for _, id := range ids {
		if id <= 0 || seen[id] {
			v.Add(field, FieldInvalid, "图片编号无效或重复")
			return
		}
		seen[id] = true
	}
}

// CheckOwnUploads fails with an unknown field error unless every upload is owner's: an upload of
// someone else's reads the same as one that does not exist.
func CheckOwnUploads(ctx context.Context, owners UploadOwners, field string, ids []int64, owner int64) error {
	if len(ids) == 0 {
		return nil
	}
	got, err := owners.UploadsOwnedBy(ctx, ids, owner)
	if err != nil {
		return fmt.Errorf("check uploads: %w", err)
	}
	if len(got) != len(ids) {
		return Invalid(FieldError{Field: field, Code: FieldUnknown, Message: "上传的文件不存在或不属于您，请重新上传"})
	}
	return nil
}
