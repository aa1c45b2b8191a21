package service

import (
	"crypto/subtle"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"time"
)

// Rotating check-in codes: a deputy proves they are in the room with the code on its screen
// (a reception day's station, a training class). The code rotates like TOTP (RFC 6238): six
// digits from a keyed HMAC of a purpose, an ID and the 30-second time step, the key being the
// Sealer's index key, so no secret is added. The purpose keeps a reception's code and a
// training's code apart even when their IDs are equal. The current and the previous step are
// accepted, so a code read just before it turns still works, and a photo of the screen is
// stale within a minute.

// Check-in rules shared by everything a deputy checks in at.
const (
	CheckinCodePeriod = 30 * time.Second // how long one code is shown
	CheckinEarly      = 30 * time.Minute // how long before the start a deputy may check in
)

// CheckinOpen reports whether now is within the check-in window of something held from start
// to end: from CheckinEarly before the start until the end.
func CheckinOpen(start, end, now time.Time) bool {
	return !now.Before(start.Add(-CheckinEarly)) && !now.After(end)
}

// Check-in code purposes: one per kind of thing a deputy checks in at.
const (
	CheckinReception = "reception-checkin"
	CheckinTraining  = "training-checkin"
)

var checkinCodeRe = regexp.MustCompile(`^[0-9]{6}$`)

// CheckinCode is the code a screen shows for one thing in one time step.
type CheckinCode struct {
	Code      string
	Period    time.Duration
	ExpiresAt time.Time // when the screen should show the next one
}

// CurrentCheckinCode returns the code of (purpose, id) at now.
func CurrentCheckinCode(s Sealer, purpose string, id int64, now time.Time) CheckinCode {
	step := checkinStep(now)
	return CheckinCode{Code: checkinCodeAt(s, purpose, id, step), Period: CheckinCodePeriod,
		ExpiresAt: time.Unix((step+1)*int64(CheckinCodePeriod/time.Second), 0).UTC()}
}

// ValidCheckinCode accepts the code of (purpose, id) of the current or the previous step.
func ValidCheckinCode(s Sealer, purpose string, id int64, code string, now time.Time) bool {
	step := checkinStep(now)
	ok := 0
	for _, st := range []int64{step, step - 1} {
		ok |= subtle.ConstantTimeCompare([]byte(checkinCodeAt(s, purpose, id, st)), []byte(code))
	}
	return ok == 1
}

// CheckCheckinCodeFormat records a field error unless code looks like a check-in code, so a
// typo is told apart from a wrong or stale code.
func CheckCheckinCodeFormat(v *Validator, field, code string) {
	v.Check(checkinCodeRe.MatchString(code), field, FieldInvalid, "签到码须为 6 位数字")
}

// ErrWrongCheckinCode is the answer to a well-formed code that is wrong or stale.
func ErrWrongCheckinCode(field string) *Error {
	return Invalid(FieldError{Field: field, Code: FieldInvalid, Message: "签到码错误或已过期，请输入屏幕上当前显示的签到码"})
}

func checkinStep(t time.Time) int64 { return t.Unix() / int64(CheckinCodePeriod/time.Second) }

// checkinCodeAt is the code in a time step: the keyed HMAC read as a number, its last six
// decimal digits.
func checkinCodeAt(s Sealer, purpose string, id, step int64) string {
	mac := s.Index(purpose + "\x00" + strconv.FormatInt(id, 10) + "\x00" + strconv.FormatInt(step, 10))
	n := new(big.Int).SetBytes([]byte(mac))
	return fmt.Sprintf("%06d", n.Mod(n, big.NewInt(1_000_000)).Int64())
}
