package upload

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"strings"
	"testing"

	"liaison/service"
)

// fakes: the store and blob storage keep what Upload hands them.
type memStore struct{ uploads []service.Upload }

func (m *memStore) CreateUpload(_ context.Context, u *service.Upload) error {
	u.ID = int64(len(m.uploads) + 1)
	m.uploads = append(m.uploads, *u)
	return nil
}
func (m *memStore) UploadByID(context.Context, int64) (*service.Upload, error) {
	return nil, service.ErrNotFound
}
func (m *memStore) DeleteUpload(context.Context, int64) error { return nil }
func (m *memStore) UploadsOwnedBy(context.Context, []int64, int64) ([]service.Upload, error) {
	return nil, nil
}

type memBlobs map[string][]byte

func (m memBlobs) Put(_ context.Context, key string, r io.Reader) error {
	b, err := io.ReadAll(r)
	m[key] = b
	return err
}
func (m memBlobs) Delete(_ context.Context, key string) error {
	delete(m, key)
	return nil
}
func (m memBlobs) Open(_ context.Context, key string) (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(m[key])), nil
}

func newService() (*Service, memBlobs) {
	blobs := memBlobs{}
	return &Service{Store: &memStore{}, Blobs: blobs, Clock: service.SystemClock{},
		NewKey: func(ext string) string { return "k." + ext }}, blobs
}

func upload(t *testing.T, a service.Actor, data []byte) (*service.Upload, []byte) {
	t.Helper()
	s, blobs := newService()
	u, err := s.Upload(context.Background(), a, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	return u, blobs[u.StorageKey]
}

var resident = service.Actor{UserID: 7}

func testImage(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 20), uint8(y * 30), 90, 255})
		}
	}
	return img
}

// gpsLatitude is the GPSLatitude value written into the test EXIF: three rationals whose
// numerators no encoder would produce by chance, so finding them in a blob means the GPS survived.
var gpsLatitude = func() []byte {
	b := make([]byte, 24)
	for i, v := range []uint32{0x23170001, 1, 0x07070707, 1, 0x51515151, 100} {
		binary.LittleEndian.PutUint32(b[i*4:], v)
	}
	return b
}()

// exifSegment is an APP1 segment as a phone writes it: the maker in IFD0, the orientation, and
// a GPS IFD with the latitude.
func exifSegment(orientation uint16) []byte {
	const maker = "SECRETPHONE-X9\x00"
	le := binary.LittleEndian
	var t bytes.Buffer
	t.WriteString("II*\x00")
	binary.Write(&t, le, uint32(8))
	// IFD0 at 8: 3 entries (2+36+4 bytes), then the maker string at 50, the GPS IFD at 66.
	makerOff, gpsOff := uint32(50), uint32(66)
	binary.Write(&t, le, uint16(3))
	entry := func(tag, typ uint16, count, value uint32) {
		binary.Write(&t, le, tag)
		binary.Write(&t, le, typ)
		binary.Write(&t, le, count)
		binary.Write(&t, le, value)
	}
	entry(0x010F, 2, uint32(len(maker)), makerOff)
	entry(0x0112, 3, 1, uint32(orientation))
	entry(0x8825, 4, 1, gpsOff)
	binary.Write(&t, le, uint32(0))
	t.WriteString(maker)
	t.WriteByte(0) // pad to 66
	// GPS IFD: latitude ref and latitude; the rationals at 66+2+24+4 = 96.
	binary.Write(&t, le, uint16(2))
	entry(0x0001, 2, 2, uint32('N'))
	entry(0x0002, 5, 3, 96)
	binary.Write(&t, le, uint32(0))
	t.Write(gpsLatitude)

	payload := append([]byte("Exif\x00\x00"), t.Bytes()...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	return append(seg, payload...)
}

// phoneJPEG is a w×h JPEG with EXIF (maker, orientation, GPS) after SOI and a payload after EOI.
func phoneJPEG(t testing.TB, w, h int, orientation uint16, trailer string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(w, h), &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	raw := b.Bytes()
	out := append([]byte{}, raw[:2]...)
	out = append(out, exifSegment(orientation)...)
	out = append(out, raw[2:]...)
	return append(out, trailer...)
}

// pngWithText is a w×h PNG with a tEXt chunk before IEND and bytes after it.
func pngWithText(t testing.TB, w, h int, text, trailer string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, testImage(w, h)); err != nil {
		t.Fatal(err)
	}
	raw := b.Bytes()
	iend := len(raw) - 12
	chunk := make([]byte, 8, 12+len(text))
	binary.BigEndian.PutUint32(chunk, uint32(len(text)))
	copy(chunk[4:], "tEXt")
	chunk = append(chunk, text...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	out := append(append(append([]byte{}, raw[:iend]...), chunk...), raw[iend:]...)
	return append(out, trailer...)
}

func TestUploadReencodesJPEGWithoutMetadata(t *testing.T) {
	t.Parallel()
	const trailer = "PK\x03\x04<?php system($_GET['c']); ?>APPENDED-PAYLOAD"
	in := phoneJPEG(t, 24, 16, 1, trailer)
	if _, err := jpeg.Decode(bytes.NewReader(in)); err != nil || !bytes.Contains(in, gpsLatitude) {
		t.Fatalf("the fixture is not a JPEG with GPS: %v", err)
	}
	u, stored := upload(t, resident, in)
	for _, leak := range [][]byte{gpsLatitude, []byte("Exif"), []byte("SECRETPHONE"), []byte("APPENDED-PAYLOAD"), []byte("<?php")} {
		if bytes.Contains(stored, leak) {
			t.Errorf("the stored image still holds %q", leak)
		}
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(stored))
	if err != nil || format != "jpeg" || cfg.Width != 24 || cfg.Height != 16 {
		t.Fatalf("stored image: %v %s %dx%d", err, format, cfg.Width, cfg.Height)
	}
	if u.ContentType != "image/jpeg" || u.Size != int64(len(stored)) || !strings.HasSuffix(u.StorageKey, ".jpg") {
		t.Fatalf("upload row: %+v", u)
	}
}

// A phone photo taken upright is stored sideways with orientation 6 (rotate 90° clockwise):
// the pixels are turned before the EXIF goes, so it still shows upright.
func TestUploadAppliesJPEGOrientation(t *testing.T) {
	t.Parallel()
	_, stored := upload(t, resident, phoneJPEG(t, 24, 16, 6, ""))
	cfg, _, err := image.DecodeConfig(bytes.NewReader(stored))
	if err != nil || cfg.Width != 16 || cfg.Height != 24 {
		t.Fatalf("rotated image: %v %dx%d", err, cfg.Width, cfg.Height)
	}
}

func TestUploadReencodesPNGWithoutChunks(t *testing.T) {
	t.Parallel()
	in := pngWithText(t, 10, 7, "Comment\x00taken at 23.1N 113.3E by 13812345678", "TRAILING-BYTES")
	if _, err := png.Decode(bytes.NewReader(in)); err != nil {
		t.Fatalf("the fixture is not a PNG: %v", err)
	}
	u, stored := upload(t, resident, in)
	for _, leak := range []string{"tEXt", "13812345678", "TRAILING-BYTES"} {
		if bytes.Contains(stored, []byte(leak)) {
			t.Errorf("the stored image still holds %q", leak)
		}
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(stored))
	if err != nil || format != "png" || cfg.Width != 10 || cfg.Height != 7 || u.ContentType != "image/png" {
		t.Fatalf("stored image: %v %s %dx%d %s", err, format, cfg.Width, cfg.Height, u.ContentType)
	}
}

// WebP has no encoder in Go: a lossy opaque one becomes JPEG, a lossless one PNG.
func TestUploadReencodesWebP(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ file, ct, ext, format string }{
		{"blue-purple-pink.lossy.webp", "image/jpeg", ".jpg", "jpeg"},
		{"gopher-doc.1bpp.lossless.webp", "image/png", ".png", "png"},
	} {
		in, err := os.ReadFile("testdata/" + tc.file)
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, "APPENDED-PAYLOAD"...)
		u, stored := upload(t, resident, in)
		_, format, err := image.DecodeConfig(bytes.NewReader(stored))
		if err != nil || format != tc.format || u.ContentType != tc.ct || !strings.HasSuffix(u.StorageKey, tc.ext) ||
			bytes.Contains(stored, []byte("APPENDED-PAYLOAD")) {
			t.Errorf("%s: %v %s %+v", tc.file, err, format, u)
		}
	}
}

// The pixel cap is read from the header: a PNG claiming 20000×20000 is refused as too big, not
// decoded (its data would fail to decode, which would read as not an image).
func TestUploadRefusesBombsFromTheHeader(t *testing.T) {
	t.Parallel()
	hdr := pngWithText(t, 1, 1, "x\x00y", "")
	binary.BigEndian.PutUint32(hdr[16:], 20000)
	binary.BigEndian.PutUint32(hdr[20:], 20000)
	binary.BigEndian.PutUint32(hdr[29:], crc32.ChecksumIEEE(hdr[12:29]))
	s, blobs := newService()
	_, err := s.Upload(context.Background(), resident, bytes.NewReader(hdr))
	var se *service.Error
	if !errors.As(err, &se) || se.Code != "image_too_big" || len(blobs) != 0 {
		t.Fatalf("bomb: %v, %d stored", err, len(blobs))
	}
}

// Documents from admins are stored as sent: re-encoding is for images only.
func TestUploadKeepsDocumentsAsSent(t *testing.T) {
	t.Parallel()
	pdf := []byte("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
	admin := service.Actor{UserID: 1, Grants: []service.Grant{{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: "44"}}}
	_, stored := upload(t, admin, pdf)
	if !bytes.Equal(stored, pdf) {
		t.Fatalf("the PDF changed: %q", stored)
	}
}

// FuzzReencode: whatever bytes come in, the re-encoder does not panic, and what it returns
// decodes as the type it names.
func FuzzReencode(f *testing.F) {
	f.Add(phoneJPEG(f, 8, 6, 6, "tail"))
	f.Add(pngWithText(f, 5, 4, "k\x00v", "tail"))
	for _, name := range []string{"blue-purple-pink.lossy.webp", "gopher-doc.1bpp.lossless.webp"} {
		if b, err := os.ReadFile("testdata/" + name); err == nil {
			f.Add(b)
		}
	}
	// A small pixel cap keeps each input cheap, so the fuzzer explores structure, not size.
	lim := Limits{MaxPixels: 1 << 16, MaxDecodedBytes: 1 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		ct := sniffImage(data)
		if ct == "" {
			ct = "image/png"
		}
		out, outCT, err := reencode(context.Background(), lim, ct, data)
		if err != nil {
			return
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(out))
		if err != nil || "image/"+format != outCT || cfg.Width <= 0 || cfg.Height <= 0 {
			t.Fatalf("re-encoded output does not decode: %v %s %s", err, format, outCT)
		}
		if _, _, err := image.Decode(bytes.NewReader(out)); err != nil {
			t.Fatalf("re-encoded output does not decode: %v", err)
		}
	})
}

// The top-left pixel lands where each EXIF orientation says the top-left of the scene is.
func TestOrientImageMovesPixels(t *testing.T) {
	t.Parallel()
	src := image.NewRGBA(image.Rect(0, 0, 3, 2))
	red := color.RGBA{255, 0, 0, 255}
	src.Set(0, 0, red)
	for _, tc := range []struct {
		o, w, h, x, y int
	}{
		{1, 3, 2, 0, 0}, {2, 3, 2, 2, 0}, {3, 3, 2, 2, 1}, {4, 3, 2, 0, 1},
		{5, 2, 3, 0, 0}, {6, 2, 3, 1, 0}, {7, 2, 3, 1, 2}, {8, 2, 3, 0, 2},
	} {
		got := orientImage(src, tc.o)
		if b := got.Bounds(); b.Dx() != tc.w || b.Dy() != tc.h || color.RGBAModel.Convert(got.At(tc.x, tc.y)) != red {
			t.Errorf("orientation %d: %v, red at (%d,%d): %v", tc.o, got.Bounds(), tc.x, tc.y, got.At(tc.x, tc.y))
		}
	}
}
