package handler

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"liaison/service"
)

// zipOf packs parts into a zip archive, in the given order.
func zipOf(t testing.TB, parts ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for i := 0; i < len(parts); i += 2 {
		f, err := w.Create(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(parts[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// workbookOf is a minimal workbook whose one sheet is sheetXML (the <sheetData> content) and
// whose shared strings are sst (the <si> items).
func workbookOf(t testing.TB, sheetXML, sst string) []byte {
	t.Helper()
	return zipOf(t,
		"_rels/.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml", `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml", `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`+sheetXML+`</sheetData></worksheet>`,
		"xl/sharedStrings.xml", `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`+sst+`</sst>`,
	)
}

func tableString(rows []service.TableRow) string {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%d%q ", r.Row, r.Cells)
	}
	return strings.TrimSpace(b.String())
}

func TestReadTableXLSXFromExcelize(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	defer f.Close()
	set := func(cell string, v any) {
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SetSheetRow("Sheet1", "A1", &[]any{"日期", "是否工作日", "说明"}); err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetRow("Sheet1", "A2", &[]any{time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), "否", "国庆节"}); err != nil {
		t.Fatal(err)
	}
	set("A4", "2026/10/2") // row 3 is empty
	set("B4", "否")
	set("XFD4", "beyond the columns")
	set("D4", "also beyond")
	set("B5", 12.5)
	if err := f.SetCellRichText("Sheet1", "C6", []excelize.RichTextRun{{Text: "国庆"}, {Text: "节", Font: &excelize.Font{Bold: true}}}); err != nil {
		t.Fatal(err)
	}
	set("A7", "   ") // blank
	set("E8", "only beyond")
	if _, err := f.NewSheet("Other"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellValue("Other", "A1", "not the first sheet"); err != nil {
		t.Fatal(err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := readTable(buf.Bytes(), 10, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := `1["日期" "是否工作日" "说明"] 2["46296" "否" "国庆节"] 4["2026/10/2" "否"] 5["" "12.5"] 6["" "" "国庆节"]`
	if got := tableString(rows); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestReadTableXLSXParts(t *testing.T) {
	t.Parallel()
	// The first sheet in the workbook's order, whatever its part is called, found through an
	// absolute target; inline strings in runs and without the phonetic guide; rows and cells
	// without r; a lower-case reference; a formula's last value; a boolean; an escape.
	sheet := `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		`<row><c t="inlineStr"><is><t>名称</t></is></c><c t="inlineStr"><is><r><t>区划</t></r><r><rPr><b/></rPr><t>代码</t></r><rPh sb="0" eb="1"><t>くかく</t></rPh></is></c></row>` +
		`<row r="3"><c r="a3" t="str"><f>"2"</f><v>2</v></c><c r="C3" t="b"><v>1</v></c><c r="D3" t="inlineStr"><is><t>far</t></is></c></row>` +
		`<row><c r="B4" t="s"><v>1</v></c><c t="inlineStr"><is><t>a_x000D_b_x005F_x0041_</t></is></c></row>` +
		`</sheetData></worksheet>`
	data := zipOf(t,
		"xl/workbook.xml", `<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="B" r:id="rId9"/><sheet name="A" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId9" Type="x/worksheet" Target="/xl/worksheets/second.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml", `<worksheet><sheetData><row><c><v>wrong sheet</v></c></row></sheetData></worksheet>`,
		"xl/worksheets/second.xml", sheet,
		"xl/sharedStrings.xml", `<sst><si><t>zero</t></si><si><r><t>o</t></r><r><t>ne</t></r></si></sst>`,
	)
	rows, err := readTable(data, 10, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := `1["名称" "区划代码"] 3["2" "" "1"] 4["" "one" "a\rb_x0041_"]`
	if got := tableString(rows); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestReadTableCSV(t *testing.T) {
	t.Parallel()
	csv := "\xef\xbb\xbf代码,名称,上级代码,备注,,,,,,\n440103,荔湾区,440100,x\n,,\n\"440104\",\" 越秀区 \"\n"
	rows, err := readTable([]byte(csv), 10, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := `1["代码" "名称" "上级代码"] 2["440103" "荔湾区" "440100"] 4["440104" " 越秀区 "]`
	if got := tableString(rows); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// A table stops two rows past the cap (a header and one too many); blank rows do not count.
func TestReadTableStopsAtTheRowCap(t *testing.T) {
	t.Parallel()
	var csv, sheet strings.Builder
	for i := 1; i <= 50; i++ {
		fmt.Fprintf(&csv, "r%d\n\n", i)
		fmt.Fprintf(&sheet, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>r%d</t></is></c></row><row r="%d"/>`, 2*i-1, 2*i-1, i, 2*i)
	}
	for name, data := range map[string][]byte{"csv": []byte(csv.String()), "xlsx": workbookOf(t, sheet.String(), "")} {
		rows, err := readTable(data, 3, 2)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(rows) != 5 || rows[4].Cells[0] != "r5" {
			t.Fatalf("%s: %s", name, tableString(rows))
		}
	}
}

func TestReadTableRefusesBadFiles(t *testing.T) {
	t.Parallel()
	many := make([]string, 0, 2*(maxZipEntries+1))
	for i := range maxZipEntries + 1 {
		many = append(many, fmt.Sprintf("x/%d", i), "")
	}
	bomb := strings.Repeat("<x>"+strings.Repeat(" ", maxTokenBytes/2)+"</x>", 2*maxUnzipBytes/maxTokenBytes+1)
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, errEmptyFile},
		{"binary", []byte{0xff, 0xfe, 0x00, 0x41}, errNotTable},
		{"zip magic only", []byte("PK\x03\x04 not really a zip"), errUnreadableXLSX},
		{"a zip but no workbook", zipOf(t, "a.txt", "hello"), errUnreadableXLSX},
		{"too many parts", zipOf(t, many...), errUnreadableXLSX},
		{"shared string out of range", workbookOf(t, `<row r="1"><c r="A1" t="s"><v>5</v></c></row>`, `<si><t>only</t></si>`), errUnreadableXLSX},
		{"column past XFD", workbookOf(t, `<row r="1"><c r="XFE1"><v>1</v></c></row>`, ""), errUnreadableXLSX},
		{"row past the last", workbookOf(t, `<row r="1048577"><c><v>1</v></c></row>`, ""), errUnreadableXLSX},
		{"truncated xml", zipOf(t, "xl/workbook.xml", `<workbook><sheets><sheet r:id="rId1"/></sheets></workbook>`,
			"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Target="s.xml"/></Relationships>`, "xl/s.xml", `<worksheet><sheetData><row><c><v>1`), errUnreadableXLSX},
		{"unpacks past the budget", workbookOf(t, bomb, ""), errXLSXTooLarge},
		{"one huge cell", workbookOf(t, `<row r="1"><c r="A1"><v>`+strings.Repeat("9", maxTokenBytes+1)+`</v></c></row>`, ""), errXLSXTooLarge},
	}
	for _, tc := range cases {
		rows, err := readTable(tc.data, 10, 3)
		if !errors.Is(err, tc.want) && err != tc.want {
			t.Errorf("%s: got %v %s, want %v", tc.name, err, tableString(rows), tc.want)
		}
	}
}

// wideSheet is n rows of a name in column A and a value in column XFD, after a header.
func wideSheet(t testing.TB, n int) []byte {
	t.Helper()
	var rows strings.Builder
	rows.WriteString(`<row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c></row>`)
	for i := range n {
		fmt.Fprintf(&rows, `<row r="%d"><c r="A%[1]d" t="inlineStr"><is><t>第%d联络站</t></is></c><c r="XFD%[1]d"><v>1</v></c></row>`, i+2, i)
	}
	return workbookOf(t, rows.String(), "")
}

// A cell in the last column costs what it takes to skip it: the row is not padded out to it.
// Not parallel: AllocsPerRun counts the whole process's allocations.
func TestReadTableSkipsFarColumns(t *testing.T) {
	data := wideSheet(t, 3000)
	var rows []service.TableRow
	allocs := testing.AllocsPerRun(1, func() {
		var err error
		if rows, err = readTable(data, 20000, 7); err != nil {
			t.Fatal(err)
		}
	})
	if len(rows) != 3001 || len(rows[3000].Cells) != 1 || rows[3000].Cells[0] != "第2999联络站" {
		t.Fatalf("%d rows, last %v", len(rows), rows[len(rows)-1])
	}
	// About 30 allocations a row for the XML tokens; padding would be thousands.
	if allocs > 100*3001 {
		t.Fatalf("%.0f allocations for 3,001 rows", allocs)
	}
}

// BenchmarkReadTableWide reads the largest file an import takes, each row reaching column XFD.
func BenchmarkReadTableWide(b *testing.B) {
	data := wideSheet(b, 20001)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if rows, err := readTable(data, 20000, 7); err != nil || len(rows) != 20002 {
			b.Fatal(err, len(rows))
		}
	}
}

// FuzzReadTable: whatever the bytes, readTable returns an error or at most maxRows+2 numbered
// rows of at most cols cells, the last of which holds something. An error is one the client
// caused (400, 413 or 422), never one the error middleware would answer with a 5xx.
//
// go test ./handler -run '^$' -fuzz '^FuzzReadTable$' -fuzztime 2m -fuzzminimizetime 200x
// (minimizing a few-KB workbook for the default 60s stalls both workers most of the run.)
func FuzzReadTable(f *testing.F) {
	f.Add([]byte("a,b,c\n1,2,3\n\n\"x\",,y,z\n"))
	f.Add(workbookOf(f, `<row r="2"><c r="B2" t="s"><v>0</v></c><c r="XFD2"><v>9</v></c></row><row><c t="inlineStr"><is><t>i</t></is></c></row>`, `<si><t>s</t></si>`))
	f.Add(wideSheet(f, 3))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := readTable(data, 3, 2)
		if err != nil {
			if !errors.Is(err, service.ErrInvalid) && !errors.Is(err, service.ErrTooLarge) && !errors.Is(err, service.ErrUnprocessable) {
				t.Fatalf("error %v is not the client's", err)
			}
			return
		}
		if len(rows) > 5 {
			t.Fatalf("%d rows", len(rows))
		}
		for _, r := range rows {
			if r.Row < 1 || len(r.Cells) == 0 || len(r.Cells) > 2 || strings.TrimSpace(r.Cells[len(r.Cells)-1]) == "" {
				t.Fatalf("row %+v", r)
			}
		}
	})
}
