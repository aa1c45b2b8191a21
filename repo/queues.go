package repo

import (
	"context"
	"fmt"
)

// QueueDepths counts the work waiting in each background queue, for /metrics: notifications
// waiting to be sent, notifications that failed, and opinions held for the content check. Each
// count reads an index range.
func QueueDepths(ctx context.Context, db *DB) (map[string]int, error) {
	queries := map[string]string{
		"notify_pending":     `SELECT COUNT(*) FROM notify_outbox WHERE status IN ('pending', 'sending')`,
		"notify_failed":      `SELECT COUNT(*) FROM notify_outbox WHERE status = 'failed'`,
		"moderation_pending": `SELECT COUNT(*) FROM opinions WHERE moderation = 'pending'`,
	}
	out := make(map[string]int, len(queries))
	for name, q := range queries {
		var n int
		if err := db.get(ctx, &n, q); err != nil {
			return nil, fmt.Errorf("queue depth %s: %w", name, err)
		}
		out[name] = n
	}
	return out, nil
}
