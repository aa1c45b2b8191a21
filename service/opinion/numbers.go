package opinion

import (
	"context"
	"fmt"
	"sync"
	"time"

	"liaison/service"
)

// publicNoBlock is how many public numbers an instance reserves at once. Each reservation is
// its own short transaction on the day's counter row, so submissions never hold that row until
// they commit; the cost is gaps (a block's unused numbers are lost when the instance stops or
// the day ends) and numbers that, across instances, are unique but not in submission order.
const publicNoBlock = 50

// numbers hands out public numbers from the block this instance reserved.
type numbers struct {
	mu         sync.Mutex
	day        string
	next, last int64 // the next number to hand out and the block's last; next > last: none left
}

// publicNo returns a new public number (YJ + Beijing date + six digits) for a submission at now.
// It must be called outside the submission's transaction, so the reservation commits on its own.
func (s *Service) publicNo(ctx context.Context, now time.Time) (string, error) {
	day := now.In(service.Zone).Format("20060102")
	n := &s.numbers
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.day != day || n.next > n.last {
		last, err := s.Store.ReservePublicSeq(ctx, day, publicNoBlock)
		if err != nil {
			return "", fmt.Errorf("public number: %w", err)
		}
		n.day, n.next, n.last = day, last-publicNoBlock+1, last
	}
	seq := n.next
	n.next++
	return fmt.Sprintf("YJ%s%0*d", day, publicNoSeqDigits, seq), nil
}
