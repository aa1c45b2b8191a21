package network

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"

	"liaison/service"
)

// QRCoder makes mini-program codes (小程序码) for an unlimited number of scenes.
type QRCoder interface {
	// MiniProgramCode returns a PNG code, width pixels wide, that opens page with scene (at most
	// 32 characters) as its launch parameter.
	MiniProgramCode(ctx context.Context, scene, page string, width int) ([]byte, error)
}

// QRPage is the mini-program page a station or deputy code opens: the submission page, which
// reads the scene to preselect the station (s=<id>) or the deputy (d=<id>).
const QRPage = "pages/submit/index"

// Bounds of a code's width, WeChat's own.
const (
	QRDefaultWidth = 430
	qrMinWidth     = 280
	qrMaxWidth     = 1280
	qrMaxScene     = 32      // WeChat's limit on scene
	qrMaxBytes     = 4 << 20 // a cached code larger than this is not one of ours
)

// QRCodes serves the codes of stations (站点码) and deputies (代表码). Each code is made once
// through WeChat and kept in Blobs under a key derived from its parameters, so every instance
// sharing the storage serves it from there afterwards.
type QRCodes struct {
	Network *Service
	Coder   QRCoder
	Blobs   service.BlobStorage
	Width   int // pixels; zero means QRDefaultWidth
}

// StationCode returns the PNG code of a public station; an inactive or unknown station is not
// found, as on its public page.
func (q *QRCodes) StationCode(ctx context.Context, id int64) ([]byte, error) {
	// The station page's rule, without the deputies and rates the page loads.
	if _, err := q.Network.publicStation(ctx, id); err != nil {
		return nil, err
	}
	return q.code(ctx, "s="+strconv.FormatInt(id, 10))
}

// DeputyCode returns the PNG code of a deputy. An inactive deputy still has one: the page shows
// their status, as their public profile does.
func (q *QRCodes) DeputyCode(ctx context.Context, id int64) ([]byte, error) {
	if _, err := q.Network.Deputy(ctx, id); err != nil {
		return nil, fmt.Errorf("deputy code: %w", err)
	}
	return q.code(ctx, "d="+strconv.FormatInt(id, 10))
}

// code returns the cached code for scene, making and caching it on a miss.
func (q *QRCodes) code(ctx context.Context, scene string) ([]byte, error) {
	if len(scene) > qrMaxScene {
		return nil, fmt.Errorf("qrcode: scene %q longer than %d", scene, qrMaxScene)
	}
	width := q.width()
	key := QRCodeKey(scene, QRPage, width)
	if img, err := q.cached(ctx, key); err != nil || img != nil {
		return img, err
	}
	img, err := q.Coder.MiniProgramCode(ctx, scene, QRPage, width)
	if err != nil {
		return nil, fmt.Errorf("qrcode %s: %w", scene, err)
	}
	if !isPNG(img) {
		return nil, fmt.Errorf("qrcode %s: the coder returned no PNG", scene)
	}
	// Put is atomic: a concurrent request making the same code writes the same bytes.
	if err := q.Blobs.Put(ctx, key, bytes.NewReader(img)); err != nil {
		return nil, fmt.Errorf("qrcode %s: cache: %w", scene, err)
	}
	return img, nil
}

// cached returns the stored code under key, or nil when there is none (or what is stored is not
// a PNG, which is then made again and overwritten).
func (q *QRCodes) cached(ctx context.Context, key string) ([]byte, error) {
	rc, err := q.Blobs.Open(ctx, key)
	if errors.Is(err, service.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("qrcode cache: %w", err)
	}
	defer rc.Close()
	img, err := io.ReadAll(io.LimitReader(rc, qrMaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("qrcode cache: %w", err)
	}
	if len(img) > qrMaxBytes || !isPNG(img) {
		return nil, nil
	}
	return img, nil
}

func (q *QRCodes) width() int {
	if q.Width == 0 {
		return QRDefaultWidth
	}
	return min(max(q.Width, qrMinWidth), qrMaxWidth)
}

// QRCodeKey is the BlobStorage key of a code: the first 16 bytes of
// sha256("qr:"+scene+":"+page+":"+width) in hex, plus ".png" — the shape of every blob key.
func QRCodeKey(scene, page string, width int) string {
	sum := sha256.Sum256([]byte("qr:" + scene + ":" + page + ":" + strconv.Itoa(width)))
	return hex.EncodeToString(sum[:16]) + ".png"
}

func isPNG(b []byte) bool { return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) }
