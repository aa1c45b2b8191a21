package upload

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/webp"
	"golang.org/x/sync/semaphore"

	"liaison/service"
)

// jpegQuality is what re-encoded photos are saved at: visually the same as a phone's output
// for a complaint photo, and usually smaller than the original.
const jpegQuality = 85

// Limits bound what one image may cost to re-encode.
type Limits struct {
	// MaxPixels refuses images whose header claims more pixels (decompression bombs); it is read
	// from the header before anything is decoded.
	MaxPixels int
	// MaxDecodedBytes refuses images whose decoded pixels would take more memory (a 16-bit PNG
	// takes 8 bytes a pixel).
	MaxDecodedBytes int64
}

// DefaultLimits: 50 megapixels covers every phone camera in common use; 256 MB of pixels is a
// 50 MP photo at 4 bytes a pixel with room to spare.
var DefaultLimits = Limits{MaxPixels: 50_000_000, MaxDecodedBytes: 256 << 20}

// inFlight bounds the memory all uploads of an instance spend on decoded pixels at once: each
// re-encode holds its estimate (three times, when a rotation copies the image) until it is done, so a
// burst of large photos waits instead of exhausting the process.
var inFlight = semaphore.NewWeighted(inFlightBytes)

const inFlightBytes = 1 << 30

var errImageTooBig = service.NewError(service.ErrUnprocessable, "image_too_big", "图片尺寸过大")

// reencode decodes an image and encodes its pixels again, so that nothing but the pixels
// survives: EXIF (the GPS position and the device of a resident's photo), XMP, comments, ICC
// profiles, text chunks and whatever was appended after the image's end are all dropped.
//
// JPEG stays JPEG (quality 85) and PNG stays PNG. WebP has no encoder in Go, so it is decoded
// with golang.org/x/image/webp and stored as JPEG when it is opaque lossy (a photo) or as PNG
// otherwise (lossless or with alpha, where JPEG would lose what the sender meant to keep);
// the content type changes accordingly. Animated WebP is refused: the decoder reads still
// images only, and a complaint photo has no need for animation.
//
// A JPEG's EXIF orientation is applied to the pixels before the EXIF is dropped, so a phone
// photo taken upright still shows upright. Orientation in PNG eXIf or WebP EXIF chunks is not
// honoured: phones do not write it there.
func reencode(ctx context.Context, lim Limits, ct string, data []byte) (out []byte, outCT string, err error) {
	dec, ok := decoders[ct]
	if !ok {
		return nil, "", errNotImage
	}
	cfg, err := dec.config(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, "", errNotImage
	}
	// Checked from the header alone, before a pixel is decoded.
	if int64(cfg.Width)*int64(cfg.Height) > int64(lim.MaxPixels) {
		return nil, "", errImageTooBig
	}
	cost := int64(cfg.Width) * int64(cfg.Height) * bytesPerPixel(cfg.ColorModel)
	if cost > lim.MaxDecodedBytes {
		return nil, "", errImageTooBig
	}
	orient := 1
	if ct == "image/jpeg" {
		orient = jpegOrientation(data)
	}
	weight := cost
	if orient != 1 {
		weight *= 3 // the decoded image, an RGBA copy and the turned one
	}
	weight = min(weight, inFlightBytes) // a weight above the capacity would wait forever
	if err := inFlight.Acquire(ctx, weight); err != nil {
		return nil, "", err
	}
	defer inFlight.Release(weight)

	img, err := dec.decode(bytes.NewReader(data))
	if err != nil {
		return nil, "", errNotImage
	}
	img = orientImage(img, orient)

	var buf bytes.Buffer
	buf.Grow(len(data))
	outCT = ct
	if ct == "image/webp" {
		outCT = "image/png"
		if _, opaque := img.(*image.YCbCr); opaque {
			outCT = "image/jpeg"
		}
	}
	if outCT == "image/jpeg" {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality})
	} else {
		err = png.Encode(&buf, img)
	}
	if err != nil {
		return nil, "", errNotImage
	}
	return buf.Bytes(), outCT, nil
}

// decoders read the image types accepted, each with its own package rather than image.Decode,
// so the sniffed type is the one parsed.
var decoders = map[string]struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}{
	"image/jpeg": {jpeg.DecodeConfig, jpeg.Decode},
	"image/png":  {png.DecodeConfig, png.Decode},
	"image/webp": {webp.DecodeConfig, webp.Decode},
}

// bytesPerPixel estimates the decoded size of a pixel in the model the decoder will use.
func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	case color.Gray16Model:
		return 2
	}
	return 4
}

// jpegOrientation reads the EXIF orientation (tag 0x0112 in IFD0) from a JPEG's APP1 segment;
// 1 (as stored) when there is none or it cannot be read.
func jpegOrientation(data []byte) int {
	i := 2 // after SOI
	for i+4 <= len(data) && data[i] == 0xFF {
		marker := data[i+1]
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image: no more metadata
			return 1
		}
		n := int(binary.BigEndian.Uint16(data[i+2 : i+4]))
		if n < 2 || i+2+n > len(data) {
			return 1
		}
		seg := data[i+4 : i+2+n]
		if marker == 0xE1 && len(seg) >= 14 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

func tiffOrientation(t []byte) int {
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	off := int(bo.Uint32(t[4:8]))
	if off < 8 || off+2 > len(t) {
		return 1
	}
	count := int(bo.Uint16(t[off : off+2]))
	for k := 0; k < count; k++ {
		e := off + 2 + 12*k
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:e+2]) == 0x0112 {
			if v := int(bo.Uint16(t[e+8 : e+10])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// orientImage turns img so that it shows as EXIF orientation o meant it to. The pixels are first
// converted to RGBA in one pass (draw has fast paths for what JPEG decodes to), then moved four
// bytes at a time: a 12-megapixel photo takes a fraction of a second, not the seconds that
// At/Set per pixel would.
func orientImage(img image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	src := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(src, src.Rect, img, b.Min, draw.Src)
	dw, dh := w, h
	if o >= 5 { // 5-8 swap the axes
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			si, di := y*src.Stride+x*4, dy*dst.Stride+dx*4
			copy(dst.Pix[di:di+4], src.Pix[si:si+4])
		}
	}
	return dst
}
