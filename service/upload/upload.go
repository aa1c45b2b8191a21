package upload

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"liaison/service"
)

// MaxBytes is the largest image accepted.
const MaxBytes = 10 << 20

// Attachments tells whether a may see an upload because of what it is attached to, and whether
// anything still attaches it.
type Attachments interface {
	CanViewUpload(ctx context.Context, a service.Actor, uploadID int64) (bool, error)
	UploadAttached(ctx context.Context, uploadID int64) (bool, error)
}

// Service accepts images, checked by content rather than by name.
type Service struct {
	Store  Store
	Blobs  service.BlobStorage
	Clock  service.Clock
	NewKey func(ext string) string
	// Attachments are the areas that attach uploads (opinions, duty records): beyond the owner,
	// whoever may see what an upload is attached to may see the upload.
	Attachments []Attachments
	// Limits bound the re-encoding of images; the zero value means DefaultLimits.
	Limits Limits
	// URLs signs the header-less URLs responses show files with (see signed.go).
	URLs *URLSigner
}

var (
	errNotImage    = service.NewError(service.ErrUnsupportedMedia, "unsupported_image", "仅支持 JPEG、PNG 或 WebP 格式的图片")
	errNotDocument = service.NewError(service.ErrUnsupportedMedia, "unsupported_file", "仅支持 JPEG、PNG、WebP 图片或 PDF、Word、Excel、PowerPoint 文档")
)

// Upload stores one file from r: an image from anyone; from admins also a PDF or an Office
// document. The type is sniffed from the bytes and the file's structure checked, so a renamed
// script, an HTML page or a truncated file is refused. Images are stored re-encoded (see
// reencode), so their metadata never reaches anyone who views them; documents are stored as sent.
func (s *Service) Upload(ctx context.Context, a service.Actor, r io.Reader) (*service.Upload, error) {
	if a.UserID == 0 {
		return nil, service.ErrUnauthorized
	}
	br := bufio.NewReaderSize(r, 512)
	head, _ := br.Peek(16)
	ct := sniffImage(head)
	// Documents only from admins, who attach courseware to study material; everyone else
	// attaches photos, and a PDF is a larger attack surface than a decoded image header.
	docs := a.Has(service.RoleAdmin)
	refusal := errNotImage
	if docs {
		refusal = errNotDocument
	}
	if ct == "" && !docs {
		return nil, refusal
	}
	// Read the whole file (bounded) so its structure can be checked before anything is stored.
	data, err := io.ReadAll(io.LimitReader(br, MaxBytes+1))
	if err != nil {
		return nil, service.NewError(service.ErrInvalid, "upload_failed", "上传失败，请重试")
	}
	if len(data) > MaxBytes {
		return nil, service.NewError(service.ErrTooLarge, "file_too_large", "文件不能超过 10MB")
	}
	var ext string
	switch ct {
	case "image/jpeg", "image/png", "image/webp":
		lim := s.Limits
		if lim == (Limits{}) {
			lim = DefaultLimits
		}
		if data, ct, err = reencode(ctx, lim, ct, data); err != nil {
			return nil, err
		}
		ext = ct[len("image/"):]
		if ext == "jpeg" {
			ext = "jpg"
		}
	default:
		if ct, ext = sniffDocument(data); ct == "" {
			return nil, refusal
		}
	}
	key := s.NewKey(ext)
	if err := s.Blobs.Put(ctx, key, bytes.NewReader(data)); err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	u := &service.Upload{OwnerID: a.UserID, ContentType: ct, Size: int64(len(data)), StorageKey: key, CreatedAt: s.Clock.Now()}
	if err := s.Store.CreateUpload(ctx, u); err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	return u, nil
}

// Open returns an upload's bytes to someone allowed to see it: the owner, or whoever may see
// what it is attached to. Anyone else gets not found.
func (s *Service) Open(ctx context.Context, a service.Actor, id int64) (*service.Upload, io.ReadCloser, error) {
	u, err := s.Store.UploadByID(ctx, id)
	if err != nil {
		return nil, nil, fmt.Errorf("open upload: %w", service.NotFoundAs(err, "图片不存在"))
	}
	if u.OwnerID != a.UserID {
		ok := false
		for _, at := range s.Attachments {
			if ok, err = at.CanViewUpload(ctx, a, id); err != nil {
				return nil, nil, err
			}
			if ok {
				break
			}
		}
		if !ok {
			return nil, nil, service.NotFound("图片不存在")
		}
	}
	rc, err := s.Blobs.Open(ctx, u.StorageKey)
	if err != nil {
		return nil, nil, fmt.Errorf("open upload: %w", service.NotFoundAs(err, "图片不存在"))
	}
	return u, rc, nil
}

// sniffImage names the image type from its magic bytes: JPEG FF D8 FF, PNG's 8-byte
// signature, WebP "RIFF....WEBP". Anything else is "".
func sniffImage(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "image/webp"
	}
	return ""
}

// Store keeps upload metadata.
type Store interface {
	CreateUpload(ctx context.Context, u *service.Upload) error
	UploadByID(ctx context.Context, id int64) (*service.Upload, error)
	// UploadsOwnedBy returns those of ids that ownerID uploaded, in the order of ids.
	UploadsOwnedBy(ctx context.Context, ids []int64, ownerID int64) ([]service.Upload, error)
	DeleteUpload(ctx context.Context, id int64) error
}

// EraseUploads deletes, bytes and row, those of ids that nothing attaches any more (the
// retention run, after it detached them from an erased opinion), and returns how many. A dry run
// counts them and leaves the bytes; the row deletes are the caller's transaction's to roll back.
// The bytes go before the caller commits: a crash then leaves a row without bytes, which the
// run, not having committed, erases again, never bytes that no row leads to.
func (s *Service) EraseUploads(ctx context.Context, ids []int64, dryRun bool) (int, error) {
	n := 0
	for _, id := range ids {
		u, err := s.Store.UploadByID(ctx, id)
		if errors.Is(err, service.ErrNotFound) {
			continue
		} else if err != nil {
			return n, fmt.Errorf("erase upload: %w", err)
		}
		attached := false
		for _, at := range s.Attachments {
			if attached, err = at.UploadAttached(ctx, id); err != nil {
				return n, fmt.Errorf("erase upload: %w", err)
			} else if attached {
				break
			}
		}
		if attached {
			continue
		}
		if err := s.Store.DeleteUpload(ctx, id); err != nil {
			return n, fmt.Errorf("erase upload: %w", err)
		}
		if !dryRun {
			if err := s.Blobs.Delete(ctx, u.StorageKey); err != nil {
				return n, fmt.Errorf("erase upload: %w", err)
			}
		}
		n++
	}
	return n, nil
}
