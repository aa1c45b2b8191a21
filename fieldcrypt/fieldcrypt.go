// Package fieldcrypt encrypts sensitive fields (phones, names, addresses) at rest with
// AES-256-GCM and builds keyed HMAC blind indexes so they can still be looked up.
//
// A sealed value reads "v1.<keyID>.<base64url(nonce|ciphertext)>": the key ID lets old rows be
// opened after a new key becomes active, so keys rotate without a big-bang re-encryption.
package fieldcrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Keyring implements service.Sealer.
type Keyring struct {
	aeads    map[string]cipher.AEAD
	active   string
	indexKey []byte
}

// KeySize is the length of every data and index key, in bytes.
const KeySize = 32

// New builds a keyring. keys maps key IDs to 32-byte keys; active names the one new values are
// sealed with. indexKey keys the blind index and must never change while data exists.
func New(keys map[string][]byte, active string, indexKey []byte) (*Keyring, error) {
	if len(indexKey) < KeySize {
		return nil, fmt.Errorf("fieldcrypt: index key must be at least %d bytes", KeySize)
	}
	k := &Keyring{aeads: make(map[string]cipher.AEAD, len(keys)), active: active, indexKey: indexKey}
	for id, key := range keys {
		if id == "" || strings.ContainsAny(id, ".") {
			return nil, fmt.Errorf("fieldcrypt: bad key id %q", id)
		}
		if len(key) != KeySize {
			return nil, fmt.Errorf("fieldcrypt: key %q must be %d bytes", id, KeySize)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		k.aeads[id] = aead
	}
	if _, ok := k.aeads[active]; !ok {
		return nil, fmt.Errorf("fieldcrypt: active key %q is not in the keyring", active)
	}
	return k, nil
}

// Seal encrypts plain with the active key. The empty string stays empty so optional fields
// need no special casing.
func (k *Keyring) Seal(plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	aead := k.aeads[k.active]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := aead.Seal(nonce, nonce, []byte(plain), []byte(k.active))
	return "v1." + k.active + "." + base64.RawURLEncoding.EncodeToString(out), nil
}

// ErrMalformed reports a sealed value that cannot be opened.
var ErrMalformed = errors.New("fieldcrypt: malformed or unauthenticated value")

// Open decrypts a value produced by Seal with any key still in the keyring.
func (k *Keyring) Open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	parts := strings.SplitN(sealed, ".", 3)
	if len(parts) != 3 || parts[0] != "v1" {
		return "", ErrMalformed
	}
	aead, ok := k.aeads[parts[1]]
	if !ok {
		return "", fmt.Errorf("fieldcrypt: unknown key id %q", parts[1])
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(raw) < aead.NonceSize() {
		return "", ErrMalformed
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(parts[1]))
	if err != nil {
		return "", ErrMalformed
	}
	return string(plain), nil
}

// Index returns a keyed HMAC-SHA256 of plain, hex-free base64, for equality lookups.
func (k *Keyring) Index(plain string) string {
	if plain == "" {
		return ""
	}
	m := hmac.New(sha256.New, k.indexKey)
	m.Write([]byte(plain))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// ParseKeys reads "id:base64key,id2:base64key" (standard or URL base64). The last key listed
// is the active one, so rotation means appending a key.
func ParseKeys(spec string) (keys map[string][]byte, active string, err error) {
	keys = map[string][]byte{}
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		id, b64, ok := strings.Cut(item, ":")
		if !ok {
			return nil, "", fmt.Errorf("key entry must be id:base64")
		}
		key, err := decodeKey(b64)
		if err != nil {
			return nil, "", fmt.Errorf("key %q: %w", id, err)
		}
		keys[id] = key
		active = id
	}
	if active == "" {
		return nil, "", fmt.Errorf("no keys given")
	}
	return keys, active, nil
}

func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != KeySize {
				return nil, fmt.Errorf("must decode to %d bytes", KeySize)
			}
			return b, nil
		}
	}
	return nil, fmt.Errorf("not base64")
}

// NewKey returns a fresh random key, base64 encoded.
func NewKey() string {
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}
