package upload

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	_ "image/jpeg" // registers the JPEG decoder for DecodeConfig
	_ "image/png"  // registers the PNG decoder for DecodeConfig
	"io"

	"liaison/service"
)

// MaxBytes is the largest image accepted.
const MaxBytes = 10 << 20

// maxImagePixels refuses images whose header claims absurd dimensions (decompression bombs).
const maxImagePixels = 50_000_000

// Attachments tells whether a may see an upload because of what it is attached to.
type Attachments interface {
	CanViewUpload(ctx context.Context, a service.Actor, uploadID int64) (bool, error)
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
}

var (
	errNotImage    = service.NewError(service.ErrUnsupportedMedia, "unsupported_image", "仅支持 JPEG、PNG 或 WebP 格式的图片")
	errNotDocument = service.NewError(service.ErrUnsupportedMedia, "unsupported_file", "仅支持 JPEG、PNG、WebP 图片或 PDF、Word、Excel、PowerPoint 文档")
)

// Upload stores one file from r: an image from anyone; from admins also a PDF or an Office
// document. The type is sniffed from the bytes and the file's structure checked, so a renamed
// script, an HTML page or a truncated file is refused.
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
		ext = ct[len("image/"):]
		if ext == "jpeg" {
			ext = "jpg"
		}
		if err := checkImage(ct, data); err != nil {
			return nil, err
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

func checkImage(ct string, data []byte) error {
	if ct == "image/webp" {
		// RIFF <size> WEBP then a VP8 / VP8L / VP8X chunk.
		if len(data) < 20 || string(data[12:15]) != "VP8" || int(binary.LittleEndian.Uint32(data[4:8])) > len(data) {
			return errNotImage
		}
		return nil
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return errNotImage
	}
	if cfg.Width*cfg.Height > maxImagePixels {
		return service.NewError(service.ErrUnprocessable, "image_too_big", "图片尺寸过大")
	}
	return nil
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
}
