package network

import (
	"regexp"
	"testing"
)

func TestQRCodeKeyIsABlobKey(t *testing.T) {
	t.Parallel()
	blobKey := regexp.MustCompile(`^[a-f0-9]{32}\.[a-z]{3,4}$`) // repo.FileStorage's pattern
	a := QRCodeKey("s=1", QRPage, QRDefaultWidth)
	if !blobKey.MatchString(a) {
		t.Fatalf("key %q", a)
	}
	if a != QRCodeKey("s=1", QRPage, QRDefaultWidth) {
		t.Fatal("the key is not deterministic")
	}
	for _, b := range []string{QRCodeKey("d=1", QRPage, QRDefaultWidth), QRCodeKey("s=1", QRPage, 860), QRCodeKey("s=1", "pages/index/index", QRDefaultWidth)} {
		if b == a {
			t.Fatalf("different codes share key %q", a)
		}
	}
}
