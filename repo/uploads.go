package repo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"liaison/service"
)

// Uploads implements upload.Store.
type Uploads struct{ DB *DB }

type uploadRow struct {
	ID          int64     `db:"id"`
	OwnerID     int64     `db:"owner_id"`
	ContentType string    `db:"content_type"`
	Size        int64     `db:"size"`
	StorageKey  string    `db:"storage_key"`
	CreatedAt   time.Time `db:"created_at"`
}

func (r uploadRow) toService() service.Upload {
	return service.Upload{ID: r.ID, OwnerID: r.OwnerID, ContentType: r.ContentType, Size: r.Size, StorageKey: r.StorageKey, CreatedAt: r.CreatedAt}
}

// CreateUpload records an upload and sets u.ID.
func (s Uploads) CreateUpload(ctx context.Context, u *service.Upload) error {
	id, err := s.DB.insert(ctx, `INSERT INTO uploads (owner_id, content_type, size, storage_key, created_at) VALUES (?, ?, ?, ?, ?)`,
		u.OwnerID, u.ContentType, u.Size, u.StorageKey, utc(u.CreatedAt))
	u.ID = id
	return err
}

// UploadByID loads one upload.
func (s Uploads) UploadByID(ctx context.Context, id int64) (*service.Upload, error) {
	var r uploadRow
	if err := s.DB.get(ctx, &r, `SELECT id, owner_id, content_type, size, storage_key, created_at FROM uploads WHERE id = ?`, id); err != nil {
		return nil, err
	}
	u := r.toService()
	return &u, nil
}

// UploadsOwnedBy returns those of ids that ownerID uploaded, in the order of ids.
func (s Uploads) UploadsOwnedBy(ctx context.Context, ids []int64, ownerID int64) ([]service.Upload, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	q, args, err := s.DB.in(`SELECT id, owner_id, content_type, size, storage_key, created_at FROM uploads WHERE owner_id = ? AND id IN (?)`, ownerID, ids)
	if err != nil {
		return nil, err
	}
	var rows []uploadRow
	if err := translate(s.DB.ex(ctx).SelectContext(ctx, &rows, q, args...)); err != nil {
		return nil, err
	}
	byID := make(map[int64]service.Upload, len(rows))
	for _, r := range rows {
		byID[r.ID] = r.toService()
	}
	out := make([]service.Upload, 0, len(ids))
	for _, id := range ids {
		if u, ok := byID[id]; ok {
			out = append(out, u)
		}
	}
	return out, nil
}

// DeleteUpload deletes an upload's row.
func (s Uploads) DeleteUpload(ctx context.Context, id int64) error {
	_, err := s.DB.exec(ctx, `DELETE FROM uploads WHERE id = ?`, id)
	return err
}

// FileStorage implements service.BlobStorage on a local directory (the data directory).
// Object storage can implement the same interface later.
type FileStorage struct{ Dir string }

var blobKeyRe = regexp.MustCompile(`^[a-f0-9]{32}\.[a-z]{3,4}$`)

// NewBlobKey returns a random key with the extension ext ("jpg", "png", "webp").
func NewBlobKey(ext string) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b) + "." + ext
}

func (f FileStorage) path(key string) (string, error) {
	if !blobKeyRe.MatchString(key) {
		return "", fmt.Errorf("blob: bad key")
	}
	return filepath.Join(f.Dir, "uploads", key[:2], key), nil
}

// Put writes r under key atomically: a reader never sees half a file.
func (f FileStorage) Put(_ context.Context, key string, r io.Reader) error {
	p, err := f.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".part-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

// Delete removes the blob under key; one already gone is not an error.
func (f FileStorage) Delete(_ context.Context, key string) error {
	p, err := f.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// Open reads the blob stored under key.
func (f FileStorage) Open(_ context.Context, key string) (io.ReadCloser, error) {
	p, err := f.path(key)
	if err != nil {
		return nil, err
	}
	file, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, service.ErrNotFound
	}
	return file, err
}
