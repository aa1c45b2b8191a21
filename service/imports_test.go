package service_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"liaison/service"
)

func TestTableBodyDropsTheHeaderAndBlankRows(t *testing.T) {
	t.Parallel()
	table := []service.TableRow{
		{Row: 1, Cells: []string{" 名称（必填）", "地址"}},
		{Row: 2, Cells: []string{"甲站", ""}},
		{Row: 3, Cells: []string{" ", ""}},
		{Row: 5, Cells: []string{"", "乙路"}},
		{Row: 6, Cells: []string{"名称"}}, // only the first row is a header
	}
	var got []string
	for _, r := range service.TableBody(table, "名称") {
		got = append(got, fmt.Sprintf("%d:%s|%s|%s", r.Row, r.Cell(0), r.Cell(1), r.Cell(7)))
	}
	if fmt.Sprint(got) != "[2:甲站|| 5:|乙路| 6:名称||]" {
		t.Fatalf("body: %v", got)
	}
}

func TestRowErrorsReportInFileOrderAndReject(t *testing.T) {
	t.Parallel()
	bad := service.RowErrors{}
	for r := service.MaxImportErrors + 10; r >= 2; r-- {
		bad.Add(r, "错")
	}
	bad.Add(2, "又错")
	var rep service.ImportReport
	rep.Imported = 7
	err := bad.Reject(&rep)
	var se *service.Error
	if !errors.As(err, &se) || !errors.Is(err, service.ErrUnprocessable) || se.Code != "import_invalid" || se.Message != "共有 509 行有误，未导入任何数据，请修改后重新导入" {
		t.Fatalf("reject: %v", err)
	}
	if rep.Imported != 0 || len(rep.Errors) != service.MaxImportErrors || rep.Errors[0].Row != 2 || rep.Errors[1].Row != 3 {
		t.Fatalf("report: %d rows, first %+v", len(rep.Errors), rep.Errors[:2])
	}
	if b, _ := json.Marshal(rep.Errors[0]); string(b) != `{"row":2,"message":"错；又错"}` {
		t.Fatalf("json: %s", b)
	}
}

func TestRowMessageJoinsFieldMessages(t *testing.T) {
	t.Parallel()
	var v service.Validator
	v.Add("name", "required", "请填写名称")
	v.Add("lat", "out_of_range", "纬度超出范围")
	if got := service.RowMessage(v.Err()); got != "请填写名称；纬度超出范围" {
		t.Fatalf("got %q", got)
	}
	if got := service.RowMessage(errors.New("boom")); got != "boom" {
		t.Fatalf("got %q", got)
	}
}
