package opinion

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"liaison/service"
)

// The lifecycle actions. Each runs in one transaction: the state change guarded by the version
// (UPDATE ... WHERE id = ? AND version = ?), one timeline event, the stage bookkeeping, the
// notifications (outbox) and the observers. Where an action goes is read from OpinionMachine.

// ActionInput is the body of an action; each action reads the fields it needs.
type ActionInput struct {
	Version  int
	Reason   string  // reject
	Note     string  // reject, assign, transfer, escalate
	Content  string  // unit_reply, reply, followup, note
	Rating   string  // evaluate
	Comment  string  // evaluate
	IntoID   int64   // merge
	DeputyID int64   // assign
	UnitID   int64   // transfer
	Images   []int64 // reply, followup
	Complex  *bool   // accept: the reply gets the complex limit
	Priority string  // accept: normal or urgent
}

var (
	errVersion    = service.Conflict("version_conflict", "意见已被他人更新，请刷新后重试")
	errTransition = service.Conflict("invalid_transition", "当前状态下不能执行该操作")
	errForbidden  = service.NewError(service.ErrForbidden, "forbidden", "您无权对该意见执行此操作")
)

// Act runs action on opinion id for a and returns the opinion as a now sees it.
func (s *Service) Act(ctx context.Context, a service.Actor, id int64, action string, in ActionInput) (*View, error) {
	act, ok := validAction(action)
	if !ok {
		return nil, service.NotFound("操作不存在")
	}
	op, p, err := s.load(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := validateAction(act, &in); err != nil {
		return nil, err
	}
	t, err := authorize(op, p, act, in.Version)
	if err != nil {
		return nil, err
	}
	by := t.By & p
	// Outside the transaction: checks that call out (uploads, WeChat).
	switch act {
	case ActReply, ActFollowup:
		if err := service.CheckOwnUploads(ctx, s.Uploads, "images", in.Images, a.UserID); err != nil {
			return nil, err
		}
	}
	held := false
	if by&ByResident != 0 && op.ResidentUserID == a.UserID && (act == ActFollowup || (act == ActEvaluate && in.Comment != "")) {
		text := in.Content
		if act == ActEvaluate {
			text = in.Comment
		}
		mod, err := s.checkText(ctx, a.UserID, text)
		if err != nil {
			return nil, err
		}
		held = mod != ModerationPass
	}

	var after *Opinion
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		cur, err := s.Store.OpinionByID(ctx, id)
		if err != nil {
			return err
		}
		p := parties(a, cur)
		if p == 0 {
			return errNotFound
		}
		if _, err := authorize(cur, p, act, in.Version); err != nil {
			return err
		}
		after, err = s.apply(ctx, a, p, cur, act, in, held)
		return err
	})
	if err != nil {
		var se *service.Error
		if errors.As(err, &se) {
			return nil, err
		}
		return nil, fmt.Errorf("%s opinion: %w", act, err)
	}
	s.publish(ctx, "opinion_updated", after)
	return s.Get(ctx, a, id)
}

// authorize checks, in order: the version, the state, the caller's part.
func authorize(op *Opinion, p Party, act Action, version int) (Transition, error) {
	if version != op.Version {
		return Transition{}, errVersion
	}
	t, ok := TransitionFor(op.Status, act)
	if !ok {
		return Transition{}, errTransition
	}
	if t.By&p == 0 {
		return Transition{}, errForbidden
	}
	return t, nil
}

func validateAction(act Action, in *ActionInput) error {
	var v service.Validator
	v.Check(in.Version > 0, "version", "required", "请提供当前版本号 version")
	in.Note, in.Content, in.Comment = service.Clean(in.Note), service.Clean(in.Content), service.Clean(in.Comment)
	in.Reason, in.Rating, in.Priority = strings.TrimSpace(in.Reason), strings.TrimSpace(in.Rating), strings.TrimSpace(in.Priority)
	text := func(field, val string) { service.CheckLines(&v, field, "内容", val, 1, MaxContent) }
	service.CheckLines(&v, "note", "备注", in.Note, 0, MaxNote)
	switch act {
	case ActAccept:
		v.Check(in.Priority == "" || in.Priority == service.DeadlinePriorityNormal || in.Priority == service.DeadlinePriorityUrgent,
			"priority", "unknown", "优先级须为一般或紧急")
	case ActReject:
		_, ok := RejectReasons[in.Reason]
		v.Check(in.Reason != "", "reason", "required", "请选择不予受理的理由")
		v.Check(ok || in.Reason == "", "reason", "unknown", "不予受理的理由无效，请从列表中选择")
	case ActMerge:
		v.Check(in.IntoID > 0, "into_id", "required", "请指定合并到的意见")
	case ActAssign:
		v.Check(in.DeputyID > 0, "deputy_id", "required", "请选择代表")
	case ActTransfer:
		v.Check(in.UnitID > 0, "unit_id", "required", "请选择承办单位")
	case ActUnitReply, ActNote:
		text("content", in.Content)
	case ActReply, ActFollowup:
		text("content", in.Content)
		service.CheckUploadIDs(&v, "images", in.Images, MaxImages)
	case ActEvaluate:
		v.Check(in.Rating != "", "rating", "required", "请选择评价")
		v.Check(in.Rating == "" || in.Rating == Satisfied || in.Rating == BasicallySatisfied || in.Rating == Unsatisfied,
			"rating", "unknown", "评价须为满意、基本满意或不满意")
		service.CheckLines(&v, "comment", "评价内容", in.Comment, 0, MaxNote)
	}
	return v.Err()
}

// draft is one change being made.
type draft struct {
	op     *Opinion
	before Opinion
	now    time.Time
	ev     Event
	end    []service.DeadlineStage // stages to end; allStages ends every open one
	start  []service.DeadlineStage
	images []Image
	notify []func(ctx context.Context) error
}

const allStages service.DeadlineStage = "*"

// apply makes the change to cur inside the transaction and writes it.
func (s *Service) apply(ctx context.Context, a service.Actor, p Party, cur *Opinion, act Action, in ActionInput, held bool) (*Opinion, error) {
	t, _ := TransitionFor(cur.Status, act)
	by := t.By & p
	now := s.now()
	st := &draft{op: cur, before: *cur, now: now}
	next, _ := NextStatus(cur.Status, act, in.Rating, cur.ReopenCount)
	role, data := actorRole(a, cur, by), map[string]any{}
	if by == ByResident && cur.ResidentUserID != a.UserID {
		data["on_behalf_of_resident"] = true // offline intake: the manager records it for the resident
	}
	st.ev = Event{OpinionID: cur.ID, At: now, ActorID: a.UserID, ActorRole: role, Action: string(act),
		FromStatus: cur.Status, ToStatus: next, Data: data}
	op := cur

	switch act {
	case ActAccept:
		if in.Complex != nil {
			op.Complex = *in.Complex
		}
		if in.Priority != "" {
			op.Priority = in.Priority
		}
		s.managerReviewed(st, by)
		st.end = []service.DeadlineStage{service.StageAccept}
		st.start = []service.DeadlineStage{replyStage(op)}
		st.ev.Public, st.ev.Note = true, "意见已受理"
		st.notify = append(st.notify, func(ctx context.Context) error {
			return s.notifyResident(ctx, op, service.NotifyAccepted, "您的意见已受理", "已受理", "")
		})
	case ActReject:
		label := RejectReasons[in.Reason]
		st.end = []service.DeadlineStage{allStages}
		st.ev.Public, st.ev.Note, data["reason"] = true, "不予受理："+label, in.Reason
		if in.Note != "" {
			st.ev.Note += "。" + in.Note
		}
		st.notify = append(st.notify, func(ctx context.Context) error {
			return s.notifyResident(ctx, op, service.NotifyRejected, "您的意见未予受理", "不予受理", label)
		})
	case ActMerge:
		target, err := s.Store.OpinionByID(ctx, in.IntoID)
		if err != nil && !errors.Is(err, service.ErrNotFound) {
			return nil, err
		}
		if err != nil || target.ID == op.ID || target.Status == Merged || parties(a, target) == 0 {
			return nil, service.NewError(service.ErrUnprocessable, "merge_target_invalid", "要合并到的意见不存在、不可见或已被合并")
		}
		op.MergedInto = target.ID
		st.end = []service.DeadlineStage{allStages}
		st.ev.Public, st.ev.Note, data["into_id"] = true, "与意见 "+target.PublicNo+" 合并办理", target.ID
	case ActAssign:
		d, err := s.Network.Deputy(ctx, in.DeputyID)
		if err != nil && !errors.Is(err, service.ErrNotFound) {
			return nil, err
		}
		if err != nil || d.Status != service.DeputyActive || !slices.Contains(d.StationIDs, op.StationID) {
			return nil, service.NewError(service.ErrUnprocessable, "deputy_unavailable", "该代表不存在、已不再履职或不在本联络站")
		}
		data["deputy_id"], data["previous_deputy_id"] = d.ID, op.DeputyID
		op.DeputyID, op.DeputyName = d.ID, d.Name
		s.managerReviewed(st, by)
		st.end = []service.DeadlineStage{service.StageAssign}
		st.ev.Note = "交办代表 " + d.Name
		if in.Note != "" {
			st.ev.Note += "：" + in.Note
		}
		st.notify = append(st.notify, func(ctx context.Context) error {
			return s.notifyDeputy(ctx, op, d, "新的群众意见待办理", "assign")
		})
	case ActTransfer:
		u, err := s.Network.Unit(ctx, in.UnitID)
		if err != nil && !errors.Is(err, service.ErrNotFound) {
			return nil, err
		}
		if err != nil || !u.Active {
			return nil, service.NewError(service.ErrUnprocessable, "unit_unavailable", "承办单位不存在或已停用")
		}
		op.UnitID, op.UnitName = u.ID, u.Name
		s.managerReviewed(st, by)
		st.end = []service.DeadlineStage{service.StageAssign}
		st.start = []service.DeadlineStage{service.StageUnitReply}
		data["unit_id"] = u.ID
		if in.Note != "" {
			data["instruction"] = in.Note // for the unit; residents see the event without data
		}
		st.ev.Public, st.ev.Note = true, "已转办至承办单位 "+u.Name
		st.notify = append(st.notify, func(ctx context.Context) error {
			return s.notifyStaff(ctx, op, service.RoleUnitStaff, service.ScopeUnit, u.ID, "新的转办意见待答复", "transfer")
		})
	case ActUnitReply:
		data["unit_id"] = op.UnitID
		st.end = []service.DeadlineStage{service.StageUnitReply}
		st.ev.Note = in.Content
		st.notify = append(st.notify, func(ctx context.Context) error {
			return s.notifyAssignee(ctx, op, "承办单位已答复，请继续办理", "unit_reply")
		})
	case ActEscalate:
		if in.Note != "" {
			data["instruction"] = in.Note
		}
		st.ev.Public, st.ev.Note = true, "已上报上级人大常委会工作机构"
		st.notify = append(st.notify, func(ctx context.Context) error {
			users, err := s.congressOffice(ctx, op.RegionCode)
			if err != nil || len(users) == 0 || s.Notifier == nil {
				return err
			}
			ns := make([]service.Notification, len(users))
			for i, u := range users {
				ns[i] = s.notification(op, u, service.NotifyAssigned, "下级联络站上报意见，请办理", "待办理", in.Note, "escalate", true)
			}
			return s.Notifier.Notify(ctx, ns...)
		})
	case ActReply:
		st.end = []service.DeadlineStage{allStages}
		st.start = []service.DeadlineStage{service.StageRating}
		st.ev.Public, st.ev.Note = true, in.Content
		data["by"] = replierDisplay(op, role) // as the resident is shown it, whoever handles it later
		st.images = imagesFor(op.ID, in.Images, ImageReply)
		st.notify = append(st.notify, func(ctx context.Context) error {
			return s.notifyResident(ctx, op, service.NotifyReplyReady, "您的意见已答复，请评价", "已答复", "")
		})
	case ActEvaluate:
		st.end = []service.DeadlineStage{allStages}
		data["rating"] = in.Rating
		st.ev.Public, st.ev.Note = true, in.Comment
		if held {
			data["held"] = true
		}
		if next == Handling {
			op.ReopenCount++
			st.start = []service.DeadlineStage{service.StageRehandle}
			data["reopen"] = op.ReopenCount
			st.notify = append(st.notify, func(ctx context.Context) error {
				return s.notifyAssignee(ctx, op, "群众对答复不满意，请重新办理", "reopen")
			})
		} else {
			op.Rating, op.RatingComment = in.Rating, in.Comment
			if held {
				op.RatingComment = "" // kept in the event, where only its author and the manager read it
			}
		}
	case ActFollowup:
		st.ev.Public, st.ev.Note = true, in.Content
		if held {
			data["held"] = true
		}
		st.images = imagesFor(op.ID, in.Images, ImageFollowup)
	case ActNote:
		st.ev.Note = in.Content
	}
	// Only the move into a terminal state closes; a note on a closed item keeps its closing time.
	if next.Terminal() && !cur.Status.Terminal() {
		op.ClosedAt = now
		st.end = []service.DeadlineStage{allStages}
	}
	op.Status = next
	if err := s.commitStep(ctx, st); err != nil {
		return nil, err
	}
	return op, nil
}

// managerReviewed: a manager who accepts, assigns or transfers an opinion held by the content
// check has read it; it may now reach deputies and units.
func (s *Service) managerReviewed(st *draft, by Party) {
	if by&ByManager != 0 && st.op.Moderation != ModerationPass {
		st.op.Moderation = ModerationPass
		st.ev.Data["moderation"] = "reviewed_by_manager"
	}
}

func replyStage(op *Opinion) service.DeadlineStage {
	if op.Complex {
		return service.StageReplyComplex
	}
	return service.StageReply
}

func imagesFor(opinionID int64, ids []int64, purpose string) []Image {
	out := make([]Image, len(ids))
	for i, id := range ids {
		out[i] = Image{OpinionID: opinionID, UploadID: id, Purpose: purpose}
	}
	return out
}

// actorRole is the role a acts in, from the parties the action allows.
func actorRole(a service.Actor, op *Opinion, by Party) string {
	if a.System {
		return "system"
	}
	switch {
	case by&ByResident != 0 && op.ResidentUserID == a.UserID:
		return string(service.RoleResident)
	case by&ByManager != 0, by&ByResident != 0:
		return string(service.RoleStationManager)
	case by&ByDeputy != 0:
		return string(service.RoleDeputy)
	case by&ByUnit != 0:
		return string(service.RoleUnitStaff)
	}
	return string(service.RoleAdmin)
}

// commitStep writes a step: the opinion first (version-checked, so a concurrent loser stops
// here, before touching anything else), then the stages, the event, images, notifications and
// observers.
func (s *Service) commitStep(ctx context.Context, st *draft) error {
	op := st.op
	stages, err := s.Store.OpinionStages(ctx, op.ID)
	if err != nil {
		return err
	}
	var open, ended []Stage
	for _, sg := range stages {
		if !sg.Open() {
			continue
		}
		if ends(st.end, sg.Stage) {
			// The rating window waits on the resident: it ends by a rating or by closing as
			// unrated, never late on the office's account.
			sg.EndedAt, sg.Overdue = st.now, sg.Stage != service.StageRating && st.now.After(sg.DueAt)
			ended = append(ended, sg)
			continue
		}
		open = append(open, sg)
	}
	started, err := s.stagesFor(ctx, op, st.start, st.now)
	if err != nil {
		return err
	}
	running := append(open, started...)
	// The flag is recomputed on every step, not only when the deadline moves: the worker marks
	// each stage overdue once, so a flag cleared while another late stage stays open (a unit's
	// late reply ends its stage while the deputy's own late reply stage runs on) would never be
	// set again, and the worklist's overdue filter reads the flag alone.
	op.DueAt, op.Overdue = earliestDue(running), staffLate(running, st.now)
	old := op.Version
	op.Version, op.UpdatedAt = old+1, st.now
	if err := s.Store.UpdateOpinion(ctx, op, old); err != nil {
		if errors.Is(err, service.ErrConflict) {
			return errVersion
		}
		return err
	}
	for _, sg := range ended {
		if err := s.Store.EndOpinionStage(ctx, sg.ID, sg.EndedAt, sg.Overdue); errors.Is(err, service.ErrNotFound) {
			return errVersion // ended by a change this transaction did not see
		} else if err != nil {
			return err
		}
	}
	if err := s.Store.StartOpinionStages(ctx, started); err != nil {
		return err
	}
	if err := s.Store.AppendOpinionEvent(ctx, &st.ev); err != nil {
		return err
	}
	if len(st.images) > 0 {
		for i := range st.images {
			st.images[i].EventID = st.ev.ID
		}
		if err := s.Store.AddOpinionImages(ctx, st.images); err != nil {
			return err
		}
	}
	for _, n := range st.notify {
		if err := n(ctx); err != nil {
			return err
		}
	}
	return s.observe(ctx, stepOf(&st.before, op, st.now, stages, ended))
}

// staffLate reports an open stage the staff owe past its deadline at now: what Opinion.Overdue
// means. The rating window waits on the resident and is never late.
func staffLate(stages []Stage, now time.Time) bool {
	for _, sg := range stages {
		if sg.Open() && sg.Stage != service.StageRating && now.After(sg.DueAt) {
			return true
		}
	}
	return false
}

func ends(end []service.DeadlineStage, stage service.DeadlineStage) bool {
	for _, e := range end {
		if e == allStages || e == stage {
			return true
		}
	}
	return false
}

// Notifications. Bodies carry the public number only: the inbox shows no more than the
// recipient may see.

func pagePath(op *Opinion, staff bool) string {
	if staff {
		return "pages/work/opinion?id=" + strconv.FormatInt(op.ID, 10)
	}
	return "pages/opinion/detail?id=" + strconv.FormatInt(op.ID, 10)
}

func (s *Service) notification(op *Opinion, userID int64, kind service.NotificationKind, title, status, note, tag string, staff bool) service.Notification {
	return service.Notification{UserID: userID, Kind: kind, Title: title,
		Body: fmt.Sprintf("意见 %s：%s。", op.PublicNo, title), Page: pagePath(op, staff), ObjectType: "opinion",
		ObjectID: strconv.FormatInt(op.ID, 10),
		Data:     map[string]string{"title": "群众意见 " + op.PublicNo, "status": status, "time": service.NotifyTime(s.now()), "note": note},
		DedupKey: fmt.Sprintf("opinion:%d:v%d:%s:%s", op.ID, op.Version, kind, tag)}
}

func (s *Service) notifyResident(ctx context.Context, op *Opinion, kind service.NotificationKind, title, status, note string) error {
	if op.ResidentUserID == 0 || s.Notifier == nil {
		return nil
	}
	return s.Notifier.Notify(ctx, s.notification(op, op.ResidentUserID, kind, title, status, note, "resident", false))
}

func (s *Service) notifyDeputy(ctx context.Context, op *Opinion, d *service.Deputy, title, tag string) error {
	if d.UserID == 0 || s.Notifier == nil {
		return nil
	}
	return s.Notifier.Notify(ctx, s.notification(op, d.UserID, service.NotifyAssigned, title, "待办理", "", tag, true))
}

func (s *Service) notifyStaff(ctx context.Context, op *Opinion, role service.Role, kind string, id int64, title, tag string) error {
	if s.Notifier == nil {
		return nil
	}
	users, err := s.Users.StaffUserIDs(ctx, role, kind, strconv.FormatInt(id, 10))
	if err != nil || len(users) == 0 {
		return err
	}
	ns := make([]service.Notification, len(users))
	for i, u := range users {
		ns[i] = s.notification(op, u, service.NotifyAssigned, title, "待办理", "", tag, true)
	}
	return s.Notifier.Notify(ctx, ns...)
}

func (s *Service) notifyManagers(ctx context.Context, op *Opinion, title, tag string) error {
	return s.notifyStaff(ctx, op, service.RoleStationManager, service.ScopeStation, op.StationID, title, tag)
}

// notifyAssignee tells whoever handles op now.
func (s *Service) notifyAssignee(ctx context.Context, op *Opinion, title, tag string) error {
	if s.Notifier == nil {
		return nil
	}
	users, err := s.assignees(ctx, op)
	if err != nil || len(users) == 0 {
		return err
	}
	ns := make([]service.Notification, len(users))
	for i, u := range users {
		ns[i] = s.notification(op, u, service.NotifyAssigned, title, "待办理", "", tag, true)
	}
	return s.Notifier.Notify(ctx, ns...)
}

// assignees are whoever owes the next step: the unit's staff while transferred, else the
// deputy if bound to a user, else the station's managers. One rule for notifications and for
// the supervision worker's reminders.
func (s *Service) assignees(ctx context.Context, op *Opinion) ([]int64, error) {
	if op.Status == Transferred && op.UnitID != 0 {
		return s.Users.StaffUserIDs(ctx, service.RoleUnitStaff, service.ScopeUnit, strconv.FormatInt(op.UnitID, 10))
	}
	if op.DeputyID != 0 {
		d, err := s.Network.Deputy(ctx, op.DeputyID)
		if err != nil && !errors.Is(err, service.ErrNotFound) {
			return nil, err
		}
		if d != nil && d.UserID != 0 {
			return []int64{d.UserID}, nil
		}
	}
	return s.Users.StaffUserIDs(ctx, service.RoleStationManager, service.ScopeStation, strconv.FormatInt(op.StationID, 10))
}
