// Mini-program codes: fakes /wxa/getwxacodeunlimit, draws the code image and reads it back
// (CodeScene).

package wechatfake

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"regexp"
	"strings"
)

// codePath is the endpoint of mini-program codes for unlimited scenes.
const codePath = "/wxa/getwxacodeunlimit"

// CodeRequest is one getwxacodeunlimit request that passed the access_token check.
type CodeRequest struct {
	Scene     string
	Page      string
	Width     int
	CheckPath bool // WeChat's default when absent is true
	ErrCode   int  // what the server answered: 0 (an image), 40097 or 41030
}

// CodeCalls counts the requests to getwxacodeunlimit, refused ones included.
func (s *Server) CodeCalls() int { return s.Calls(codePath) }

// Codes returns the getwxacodeunlimit requests that passed the access_token check, oldest first.
func (s *Server) Codes() []CodeRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]CodeRequest, len(s.codes))
	copy(out, s.codes)
	return out
}

// validScene is WeChat's rule for scene: at most 32 visible characters from this set.
var validScene = regexp.MustCompile(`^[0-9A-Za-z!#$&'()*+,/:;=?@._~-]{1,32}$`)

func (s *Server) wxaCode(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r, http.MethodPost) {
		return
	}
	var req struct {
		Scene     string `json:"scene"`
		Page      string `json:"page"`
		Width     int    `json:"width"`
		CheckPath *bool  `json:"check_path"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeErr(w, codeBadDataFormat)
		return
	}
	rec := CodeRequest{Scene: req.Scene, Page: req.Page, Width: req.Width, CheckPath: req.CheckPath == nil || *req.CheckPath}
	switch {
	case !validScene.MatchString(req.Scene):
		rec.ErrCode = codeInvalidArgs
	case req.Page == "" || strings.HasPrefix(req.Page, "/"):
		rec.ErrCode = codeInvalidPage
	}
	s.mu.Lock()
	s.codes = append(s.codes, rec)
	s.mu.Unlock()
	if rec.ErrCode != 0 {
		writeErr(w, rec.ErrCode)
		return
	}
	img, err := codeImage(req.Scene, req.Page, req.Width)
	if err != nil {
		writeErr(w, codeSystemBusy)
		return
	}
	// WeChat labels its codes image/jpeg, and the SDK accepts no other type as an image.
	w.Header().Set("Content-Type", "image/jpeg")
	_, _ = w.Write(img)
}

// codeGrid is the number of cells along each side of a fake code.
const codeGrid = 21

// codeImage draws a deterministic black-and-white grid from scene and page, width pixels wide
// (WeChat's range 280-1280, default 430), and stores scene and page in tEXt chunks.
func codeImage(scene, page string, width int) ([]byte, error) {
	switch {
	case width == 0:
		width = 430
	case width < 280:
		width = 280
	case width > 1280:
		width = 1280
	}
	seed := sha256.Sum256([]byte(scene + "\x00" + page))
	bit := func(i int) bool {
		h := sha256.Sum256(append(seed[:], byte(i/256), byte(i%256)))
		return h[0]&1 == 1
	}
	img := image.NewPaletted(image.Rect(0, 0, width, width), color.Palette{color.White, color.Black})
	cell := width / codeGrid
	for gy := range codeGrid {
		for gx := range codeGrid {
			if !bit(gy*codeGrid + gx) {
				continue
			}
			for y := gy * cell; y < (gy+1)*cell; y++ {
				for x := gx * cell; x < (gx+1)*cell; x++ {
					img.SetColorIndex(x, y, 1)
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	raw := buf.Bytes()
	// The signature (8 bytes) and IHDR (4+4+13+4) come first; text chunks may follow IHDR.
	const afterIHDR = 8 + 25
	out := make([]byte, 0, len(raw)+64)
	out = append(out, raw[:afterIHDR]...)
	out = appendText(out, "scene", scene)
	out = appendText(out, "page", page)
	return append(out, raw[afterIHDR:]...), nil
}

// appendText appends a PNG tEXt chunk (keyword, NUL, Latin-1 text).
func appendText(b []byte, key, text string) []byte {
	data := append(append([]byte(key), 0), text...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	start := len(b)
	b = append(b, "tEXt"...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:]))
}

// CodeScene reads back the scene and page a code from this fake carries; ok is false for any
// other image.
func CodeScene(img []byte) (scene, page string, ok bool) {
	const sig = "\x89PNG\r\n\x1a\n"
	if !bytes.HasPrefix(img, []byte(sig)) {
		return "", "", false
	}
	found := 0
	for b := img[len(sig):]; len(b) >= 12; {
		n := int(binary.BigEndian.Uint32(b))
		if n > len(b)-12 {
			return "", "", false
		}
		typ, data := string(b[4:8]), b[8:8+n]
		if typ == "tEXt" {
			if key, text, cut := bytes.Cut(data, []byte{0}); cut {
				switch string(key) {
				case "scene":
					scene, found = string(text), found|1
				case "page":
					page, found = string(text), found|2
				}
			}
		}
		b = b[12+n:]
	}
	return scene, page, found == 3
}
