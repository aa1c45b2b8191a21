package main

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"

	"github.com/xuri/excelize/v2"

	"liaison/service/network"
)

// streamSheet builds an XLSX workbook whose first sheet holds a header and then row(i) for
// i < n, written as a stream so that thousands of rows stay quick.
func streamSheet(t testing.TB, header []any, n int, row func(i int) []any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.SetRow("A1", header); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// wideSheet is streamSheet with each row also holding a value in column XFD, the last column
// a sheet has: a few bytes of the file per row, and 16,384 cells for a reader that pads every
// row out to its last cell.
func wideSheet(t testing.TB, header []any, n int, row func(i int) []any) []byte {
	t.Helper()
	cells := make([]any, 16384) // A to XFD; the nil cells in between are not written
	return streamSheet(t, header, n, func(i int) []any {
		clear(cells)
		copy(cells, row(i))
		cells[len(cells)-1] = "x"
		return cells
	})
}

// allocated is what the whole process allocated while fn ran.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// An import reads only the columns it knows and stops at its row cap, however far right or
// down the sheet reaches. Not parallel: it measures the process's allocations around one
// request, so no other test may run meanwhile.
func TestImportReadsOnlyTheColumnsAndRowsItTakes(t *testing.T) {
	ts := startServer(t, testConfig(t))
	adm := adminLogin(t, ts, "wide-admin", "440100")
	ts.must(201, "POST", "/api/v1/admin/regions", adminLogin(t, ts, "wide-root", "440000"), map[string]string{"code": "440000", "name": "广东省"})
	ts.must(201, "POST", "/api/v1/admin/regions", adm, map[string]string{"code": "440100", "name": "广州市", "parent_code": "440000"})
	ts.must(201, "POST", "/api/v1/admin/regions", adm, map[string]string{"code": "440106", "name": "天河区", "parent_code": "440100"})

	header := []any{"名称", "区划代码", "类型", "地址", "纬度", "经度", "开放时间"}
	const n = 3000
	sheet := wideSheet(t, header, n, func(i int) []any {
		return []any{fmt.Sprintf("第%d联络站", i), "440106", "社区站", "地址", 23.1, 113.3, "全天"}
	})
	var st int
	var out map[string]any
	alloc := allocated(func() { st, out = uploadTable(ts, "/api/v1/admin/stations/import", adm, "wide.xlsx", sheet) })
	t.Logf("%d rows reaching XFD (%d KB): %d MB allocated", n, len(sheet)>>10, alloc>>20)
	if st != 200 || out["imported"] != float64(n) {
		t.Fatalf("wide import: %d %v", st, out)
	}
	if alloc > 100<<20 {
		t.Fatalf("the import allocated %d MB for a %d KB file", alloc>>20, len(sheet)>>10)
	}

	// One row more than an import takes: refused before anything is checked or written.
	sheet = wideSheet(t, header, network.MaxImportRows+1, func(i int) []any { return []any{fmt.Sprintf("第%d联络站", i)} })
	alloc = allocated(func() { st, out = uploadTable(ts, "/api/v1/admin/stations/import", adm, "long.xlsx", sheet) })
	t.Logf("%d rows reaching XFD (%d KB): %d MB allocated", network.MaxImportRows+1, len(sheet)>>10, alloc>>20)
	fields, _ := out["error"].(map[string]any)["fields"].([]any)
	if st != 400 || errCode(out) != "invalid_input" || len(fields) != 1 || fields[0].(map[string]any)["code"] != "too_long" {
		t.Fatalf("too many rows: %d %v", st, out)
	}
	if alloc > 100<<20 {
		t.Fatalf("refusing a long file allocated %d MB", alloc>>20)
	}
	if got := countRows(t, ts, "stations"); got != n {
		t.Fatalf("%d stations in the database, want %d", got, n)
	}
}
