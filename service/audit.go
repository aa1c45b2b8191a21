package service

import (
	"context"
	"time"
)

// AuditEntry is one line of the append-only audit log (MLPS 2.0: who did what, when, from
// where). Detail must never carry personal data.
type AuditEntry struct {
	At         time.Time
	ActorID    int64
	Action     string
	ObjectType string
	ObjectID   string
	IP         string
	RequestID  string
	Detail     string
}

// AuditStore appends audit entries; there is no update or delete.
type AuditStore interface {
	AppendAudit(ctx context.Context, e AuditEntry) error
}

// NewAuditEntry builds an entry for actor's action at now.
func NewAuditEntry(a Actor, now time.Time, action, objType, objID, detail string) AuditEntry {
	return AuditEntry{At: now, ActorID: a.UserID, Action: action, ObjectType: objType, ObjectID: objID, IP: a.IP, RequestID: a.RequestID, Detail: detail}
}
