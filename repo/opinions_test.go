package repo_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"liaison/repo"
	"liaison/service"
	"liaison/service/opinion"
)

// The detail's trail query reads stages, events and images in one unsorted union and sorts
// them in Go; it must give what the three readers of its own give, in their order. The images
// are written so that their order by (event_id, upload_id) is not their primary key's order.
func TestOpinionTrailMatchesItsParts(t *testing.T) {
	t.Parallel()
	db, clock, stations := searchDB(t, "轨迹联络站")
	ctx := context.Background()
	store := repo.Opinions{DB: db}
	at := clock.Now()
	id := createSearchOpinion(t, store, stations[0], "路灯不亮", "小区门口的路灯坏了很久", opinion.Submitted, at)
	if err := store.StartOpinionStages(ctx, []opinion.Stage{{OpinionID: id, Stage: service.StageAccept, StartedAt: at, DueAt: at.Add(48 * time.Hour)},
		{OpinionID: id, Stage: service.StageAssign, StartedAt: at, DueAt: at.Add(24 * time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	var events []int64
	for i, action := range []string{"submit", "route", "note"} {
		ev := opinion.Event{OpinionID: id, At: at.Add(time.Duration(i) * time.Minute), ActorRole: "system", Action: action,
			FromStatus: opinion.Submitted, ToStatus: opinion.Submitted, Note: "第" + action, Public: i != 1, Data: map[string]any{"i": i}}
		first, err := store.AppendOpinionEvents(ctx, []opinion.Event{ev})
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, first)
	}
	if err := store.AddOpinionImages(ctx, []opinion.Image{{OpinionID: id, UploadID: 10, Purpose: opinion.ImageSubmission, EventID: events[2]},
		{OpinionID: id, UploadID: 20, Purpose: opinion.ImageSubmission, EventID: events[0]},
		{OpinionID: id, UploadID: 30, Purpose: opinion.ImageSubmission, EventID: events[0]}}); err != nil {
		t.Fatal(err)
	}
	trail, err := store.OpinionTrail(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	stages, err := store.OpinionStages(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := store.OpinionEvents(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := store.OpinionImages(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) != 2 || len(evs) != 3 || len(imgs) != 3 {
		t.Fatalf("parts: %d stages, %d events, %d images", len(stages), len(evs), len(imgs))
	}
	if imgs[0].UploadID != 20 || imgs[1].UploadID != 30 || imgs[2].UploadID != 10 {
		t.Fatalf("images by (event, upload): %+v", imgs)
	}
	if !reflect.DeepEqual(trail.Stages, stages) || !reflect.DeepEqual(trail.Events, evs) || !reflect.DeepEqual(trail.Images, imgs) {
		t.Fatalf("trail:\n%+v\nparts:\n%+v\n%+v\n%+v", trail, stages, evs, imgs)
	}
}
