package console

// Chinese names for the codes the pages show; the services keep the codes.

var actionNames = map[string]string{
	"submit": "提交", "route": "分派", "moderation": "内容审核", "accept": "受理", "reject": "不予受理",
	"merge": "合并", "assign": "交办代表", "transfer": "转办承办单位", "unit_reply": "承办单位答复",
	"escalate": "上报", "reply": "答复群众", "evaluate": "评价", "followup": "补充", "note": "内部备注",
	"close_unrated": "逾期未评价办结", "return_to_triage": "退回待分派", "overdue": "超期提醒", "supervise": "督办", "supervise_up": "上级督办", "remind": "催办",
}

var roleNames = map[string]string{
	"resident": "群众", "deputy": "人大代表", "station_manager": "联络站站长", "unit_staff": "承办单位联络员",
	"admin": "人大工委", "system": "系统",
}

var stageNames = map[string]string{
	"accept": "受理", "assign": "交办", "reply": "答复", "reply_complex": "答复（复杂件）",
	"unit_reply": "承办单位答复", "rehandle": "重办", "rating": "群众评价",
}
