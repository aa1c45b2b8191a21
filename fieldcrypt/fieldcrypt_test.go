package fieldcrypt

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func TestSealOpenRoundTripAndRotation(t *testing.T) {
	t.Parallel()
	old, err := New(map[string][]byte{"k1": key(1)}, "k1", key(9))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := old.Seal("13812341234")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "13812341234") || !strings.HasPrefix(sealed, "v1.k1.") {
		t.Fatalf("sealed value leaks or lacks key id: %q", sealed)
	}
	again, _ := old.Seal("13812341234")
	if again == sealed {
		t.Fatal("two seals of the same value must differ (random nonce)")
	}
	// A rotated keyring seals with k2 and still opens k1 values.
	rotated, err := New(map[string][]byte{"k1": key(1), "k2": key(2)}, "k2", key(9))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Open(sealed); err != nil || got != "13812341234" {
		t.Fatalf("open old value after rotation: %q %v", got, err)
	}
	s2, _ := rotated.Seal("x")
	if !strings.HasPrefix(s2, "v1.k2.") {
		t.Fatalf("new values must use the active key: %q", s2)
	}
	if old.Index("13812341234") != rotated.Index("13812341234") {
		t.Fatal("blind index must survive data key rotation")
	}
	if old.Index("13812341234") == old.Index("13812341235") {
		t.Fatal("index must differ for different values")
	}
}

func TestOpenRejectsTamperingAndUnknownKeys(t *testing.T) {
	t.Parallel()
	k, _ := New(map[string][]byte{"k1": key(1)}, "k1", key(9))
	sealed, _ := k.Seal("secret")
	raw, _ := base64.RawURLEncoding.DecodeString(strings.SplitN(sealed, ".", 3)[2])
	raw[len(raw)-1] ^= 1
	tampered := "v1.k1." + base64.RawURLEncoding.EncodeToString(raw)
	for _, bad := range []string{tampered, "v1.k9." + strings.SplitN(sealed, ".", 3)[2], "garbage", "v1.k1.!!"} {
		if _, err := k.Open(bad); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
	// Moving a ciphertext under another key id must fail: the key id is authenticated.
	k2, _ := New(map[string][]byte{"k1": key(1), "k2": key(1)}, "k1", key(9))
	moved := strings.Replace(sealed, "v1.k1.", "v1.k2.", 1)
	if _, err := k2.Open(moved); err == nil {
		t.Error("key id swap must not open")
	}
}

func TestParseKeys(t *testing.T) {
	t.Parallel()
	a, b := NewKey(), NewKey()
	keys, active, err := ParseKeys("k1:" + a + ", k2:" + b)
	if err != nil || active != "k2" || len(keys) != 2 {
		t.Fatalf("got %v %q %v", keys, active, err)
	}
	for _, bad := range []string{"", "k1", "k1:short", "k1:" + base64.StdEncoding.EncodeToString([]byte("too short"))} {
		if _, _, err := ParseKeys(bad); err == nil {
			t.Errorf("ParseKeys(%q) accepted", bad)
		}
	}
}
