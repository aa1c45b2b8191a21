package handler

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"liaison/service"
)

// The limits of an XLSX file once unpacked. An XLSX workbook is a zip archive of XML parts,
// and a small archive can unpack to gigabytes; only the parts a table needs are inflated
// (the workbook, its relationships, the shared strings and the first sheet), all from one
// budget, which a 20,000-row import fits several times over.
const (
	maxZipEntries    = 1000     // parts in the archive; Excel writes a few dozen
	maxUnzipBytes    = 32 << 20 // bytes inflated from the parts read
	maxTokenBytes    = 1 << 20  // a run of text or a tag (Excel caps a cell at 32,767 characters)
	maxSharedStrings = 1 << 18  // entries of the shared-string table held in memory
	maxSheetRows     = 1 << 20  // the last row number a sheet may have (1,048,576)
	maxSheetColumns  = 1 << 14  // the last column a sheet may have (16,384, XFD)
)

var (
	errEmptyFile      = service.Invalid(service.FieldError{Field: "file", Code: "required", Message: "文件为空"})
	errNotTable       = service.Invalid(service.FieldError{Field: "file", Code: "invalid", Message: "文件须为 XLSX 或 UTF-8 编码的 CSV"})
	errUnreadableXLSX = service.NewError(service.ErrUnprocessable, "unreadable_xlsx", "无法读取该 Excel 文件，请另存为 .xlsx 后重试")
	errXLSXTooLarge   = service.NewError(service.ErrTooLarge, "xlsx_too_large", "Excel 文件解压后内容过多，请只保留要导入的工作表后重试")
)

// isXLSX reports whether data is a zip archive, as every XLSX workbook is.
func isXLSX(data []byte) bool { return bytes.HasPrefix(data, []byte("PK\x03\x04")) }

// readTable reads an uploaded table, the first sheet of an XLSX workbook or a UTF-8 CSV (told
// apart by content), as a stream of rows. It keeps the first cols cells of each row, never
// looking at a cell further right, and drops blank rows. It stops after maxRows+2 rows (a
// header, maxRows data rows and one too many), so an import that takes at most maxRows rows
// sees that the file has more and says so itself.
func readTable(data []byte, maxRows, cols int) ([]service.TableRow, error) {
	if len(data) == 0 {
		return nil, errEmptyFile
	}
	t := &tableRows{limit: maxRows + 2}
	var err error
	if isXLSX(data) {
		err = readXLSX(data, t, cols)
	} else {
		err = readCSV(data, t, cols)
	}
	if err != nil {
		return nil, err
	}
	return t.rows, nil
}

// tableRows collects the rows of a table that hold anything, up to limit.
type tableRows struct {
	rows  []service.TableRow
	limit int
}

// add keeps row n unless all its cells are blank, copying the cells up to the last that is
// not; it reports whether the table takes more rows.
func (t *tableRows) add(n int, cells []string) bool {
	last := -1
	for i, c := range cells {
		if strings.TrimSpace(c) != "" {
			last = i
		}
	}
	if last >= 0 {
		t.rows = append(t.rows, service.TableRow{Row: n, Cells: slices.Clone(cells[:last+1])})
	}
	return len(t.rows) < t.limit
}

// readCSV reads a UTF-8 CSV, with or without a byte-order mark; rows are numbered by record.
func readCSV(data []byte, t *tableRows, cols int) error {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return errNotTable
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord, r.LazyQuotes, r.ReuseRecord = -1, true, true
	for n := 1; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return service.Invalid(service.FieldError{Field: "file", Code: "invalid", Message: "CSV 格式错误（第 " + strconv.Itoa(pe.Line) + " 行）"})
			}
			return errNotTable
		}
		if !t.add(n, rec[:min(len(rec), cols)]) {
			return nil
		}
	}
}

// xlsxFile is an XLSX archive being read: its parts by name, and what may still be inflated.
type xlsxFile struct {
	parts  map[string]*zip.File
	budget int64
}

// readXLSX reads the first sheet of a workbook. Cell values are read raw: a date cell comes
// as its serial number, a number as written, a formula as its last result.
func readXLSX(data []byte, t *tableRows, cols int) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil || len(zr.File) > maxZipEntries {
		return errUnreadableXLSX
	}
	x := &xlsxFile{parts: make(map[string]*zip.File, len(zr.File)), budget: maxUnzipBytes}
	for _, f := range zr.File {
		x.parts[f.Name] = f
	}
	book := "xl/workbook.xml"
	root, err := x.relationships("")
	if err != nil {
		return err
	}
	if p := root.byType("", "/officeDocument"); p != "" {
		book = p
	}
	rels, err := x.relationships(book)
	if err != nil {
		return err
	}
	sheet, err := x.firstSheet(book, rels)
	if err != nil {
		return err
	}
	var sst []string
	sstPart := rels.byType(book, "/sharedStrings")
	if sstPart == "" {
		sstPart = "xl/sharedStrings.xml"
	}
	if _, ok := x.parts[sstPart]; ok {
		if sst, err = x.sharedStrings(sstPart); err != nil {
			return err
		}
	}
	return x.sheetRows(sheet, sst, t, cols)
}

// open starts reading a part; what it inflates counts against the archive's budget.
func (x *xlsxFile) open(name string) (*xml.Decoder, io.Closer, error) {
	f, ok := x.parts[name]
	if !ok {
		return nil, nil, errUnreadableXLSX
	}
	rc, err := f.Open()
	if err != nil {
		return nil, nil, errUnreadableXLSX
	}
	return xml.NewDecoder(&budgetReader{r: rc, left: &x.budget}), rc, nil
}

// budgetReader feeds a part to the XML decoder. It fails with errXLSXTooLarge once the
// archive's budget is spent, or when the bytes between two '<' (a run of text or a tag) are
// more than maxTokenBytes, as the decoder holds a whole token in memory.
type budgetReader struct {
	r    io.Reader
	left *int64
	run  int // bytes since the last '<'
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if *b.left <= 0 {
		return 0, errXLSXTooLarge
	}
	if int64(len(p)) > *b.left {
		p = p[:*b.left]
	}
	n, err := b.r.Read(p)
	*b.left -= int64(n)
	for rest := p[:n]; ; {
		i := bytes.IndexByte(rest, '<')
		if i < 0 {
			b.run += len(rest)
			break
		}
		if b.run+i > maxTokenBytes {
			return n, errXLSXTooLarge
		}
		b.run, rest = 0, rest[i+1:]
	}
	if b.run > maxTokenBytes {
		return n, errXLSXTooLarge
	}
	return n, err
}

// xlsxError keeps errXLSXTooLarge and reports anything else as an unreadable file.
func xlsxError(err error) error {
	if errors.Is(err, errXLSXTooLarge) {
		return errXLSXTooLarge
	}
	return errUnreadableXLSX
}

type relationships []struct {
	ID     string `xml:"Id,attr"`
	Type   string `xml:"Type,attr"`
	Target string `xml:"Target,attr"`
}

// relationships reads the relationships of a part ("" for the package); a part without
// any has none.
func (x *xlsxFile) relationships(part string) (relationships, error) {
	name := path.Join(path.Dir(part), "_rels", path.Base(part)+".rels")
	if part == "" {
		name = "_rels/.rels"
	}
	if _, ok := x.parts[name]; !ok {
		return nil, nil
	}
	dec, c, err := x.open(name)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var doc struct {
		Rels relationships `xml:"Relationship"`
	}
	if err := dec.Decode(&doc); err != nil {
		return nil, xlsxError(err)
	}
	return doc.Rels, nil
}

// byType is the part that the first relationship of a type ending in typ names, or "".
func (rs relationships) byType(from, typ string) string {
	for _, r := range rs {
		if strings.HasSuffix(r.Type, typ) {
			return partName(from, r.Target)
		}
	}
	return ""
}

// byID is the part that the relationship id names, or "".
func (rs relationships) byID(from, id string) string {
	for _, r := range rs {
		if r.ID == id {
			return partName(from, r.Target)
		}
	}
	return ""
}

// partName resolves a relationship's target against the part it comes from.
func partName(from, target string) string {
	if t, ok := strings.CutPrefix(target, "/"); ok {
		return path.Clean(t)
	}
	return path.Join(path.Dir(from), target)
}

// firstSheet names the part of the workbook's first sheet.
func (x *xlsxFile) firstSheet(book string, rels relationships) (string, error) {
	dec, c, err := x.open(book)
	if err != nil {
		return "", err
	}
	defer c.Close()
	for {
		tok, err := dec.RawToken()
		if err != nil {
			return "", xlsxError(err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "sheet" {
			for _, a := range se.Attr {
				if a.Name.Local == "id" && a.Name.Space != "" { // r:id
					if p := rels.byID(book, a.Value); p != "" {
						return p, nil
					}
				}
			}
			return "", errUnreadableXLSX
		}
	}
}

// sharedStrings reads the workbook's table of strings, which cells refer to by index.
func (x *xlsxFile) sharedStrings(name string) ([]string, error) {
	dec, c, err := x.open(name)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var sst []string
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			return sst, nil
		}
		if err != nil {
			return nil, xlsxError(err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "si" {
			if len(sst) == maxSharedStrings {
				return nil, errXLSXTooLarge
			}
			s, err := richText(dec)
			if err != nil {
				return nil, xlsxError(err)
			}
			sst = append(sst, s)
		}
	}
}

// sheetRows streams the rows of a sheet into t until it is full or the sheet ends.
func (x *xlsxFile) sheetRows(name string, sst []string, t *tableRows, cols int) error {
	dec, c, err := x.open(name)
	if err != nil {
		return err
	}
	defer c.Close()
	cells := make([]string, cols)
	row := 0
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return xlsxError(err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "row" {
			continue
		}
		if row, err = rowNumber(se, row); err != nil {
			return err
		}
		clear(cells)
		if err := readRow(dec, sst, cells); err != nil {
			return err
		}
		if !t.add(row, cells) {
			return nil
		}
	}
}

// rowNumber is the number of a <row>: its r attribute, else the one after the previous row.
func rowNumber(se xml.StartElement, prev int) (int, error) {
	r := xmlAttr(se, "r")
	if r == "" {
		r = strconv.Itoa(prev + 1)
	}
	n, err := strconv.Atoi(r)
	if err != nil || n < 1 || n > maxSheetRows {
		return 0, errUnreadableXLSX
	}
	return n, nil
}

// readRow reads the cells of a <row> up to its end into cells; a cell further right than
// cells reaches is skipped without reading its value.
func readRow(dec *xml.Decoder, sst []string, cells []string) error {
	col := 0
	for {
		tok, err := dec.RawToken()
		if err != nil {
			return xlsxError(err)
		}
		switch el := tok.(type) {
		case xml.EndElement: // </row>: the children's own ends are read with them
			return nil
		case xml.StartElement:
			if el.Name.Local != "c" {
				if err := skipElement(dec); err != nil {
					return xlsxError(err)
				}
				continue
			}
			if col, err = cellColumn(el, col); err != nil {
				return err
			}
			if col > len(cells) {
				if err := skipElement(dec); err != nil {
					return xlsxError(err)
				}
				continue
			}
			if cells[col-1], err = readCell(dec, el, sst); err != nil {
				return err
			}
		}
	}
}

// cellColumn is the column (1-based) of a <c>: the letters of its r attribute (B7 is 2), else
// the one after the previous cell.
func cellColumn(c xml.StartElement, prev int) (int, error) {
	ref := xmlAttr(c, "r")
	if ref == "" {
		return prev + 1, nil
	}
	col := 0
	for i := 0; i < len(ref); i++ {
		ch := ref[i] &^ 0x20 // upper case
		if ch < 'A' || ch > 'Z' {
			break
		}
		if col = col*26 + int(ch-'A') + 1; col > maxSheetColumns {
			return 0, errUnreadableXLSX
		}
	}
	if col == 0 {
		return 0, errUnreadableXLSX
	}
	return col, nil
}

// readCell reads a <c> to its end and returns its raw value.
func readCell(dec *xml.Decoder, c xml.StartElement, sst []string) (string, error) {
	var v, inline string
	hasInline := false
	for {
		tok, err := dec.RawToken()
		if err != nil {
			return "", xlsxError(err)
		}
		switch el := tok.(type) {
		case xml.EndElement:
			switch xmlAttr(c, "t") {
			case "s":
				if v == "" {
					return "", nil
				}
				i, err := strconv.Atoi(strings.TrimSpace(v))
				if err != nil || i < 0 || i >= len(sst) {
					return "", errUnreadableXLSX
				}
				return sst[i], nil
			case "inlineStr":
				if hasInline {
					return inline, nil
				}
			}
			return v, nil
		case xml.StartElement:
			switch el.Name.Local {
			case "v":
				v, err = elementText(dec)
			case "is":
				inline, err = richText(dec)
				hasInline = true
			default: // a formula <f>, extensions
				err = skipElement(dec)
			}
			if err != nil {
				return "", xlsxError(err)
			}
		}
	}
}

// skipElement reads past the end of the element just started, and elementText also returns
// the text directly inside it. The decoders here read raw tokens (no name-space bookkeeping,
// which costs an allocation per element), so they track nesting themselves.
func skipElement(dec *xml.Decoder) error {
	_, err := readElement(dec, false)
	return err
}

func elementText(dec *xml.Decoder) (string, error) { return readElement(dec, true) }

func readElement(dec *xml.Decoder, keepText bool) (string, error) {
	var b strings.Builder
	for depth := 0; ; {
		tok, err := dec.RawToken()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if keepText && depth == 0 {
				b.Write(t)
			}
		case xml.StartElement:
			depth++
		case xml.EndElement:
			if depth == 0 {
				return b.String(), nil
			}
			depth--
		}
	}
}

// richText reads a string item (<si>, <is>) to its end: its <t>, or the <t> of each of its
// runs <r>, without the phonetic guides (<rPh>).
func richText(dec *xml.Decoder) (string, error) {
	var b strings.Builder
	for depth := 0; ; {
		tok, err := dec.RawToken()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t":
				s, err := elementText(dec)
				if err != nil {
					return "", err
				}
				b.WriteString(s)
			case "r":
				depth++
			default:
				if err := skipElement(dec); err != nil {
					return "", err
				}
			}
		case xml.EndElement:
			if depth == 0 {
				return unescapeXString(b.String()), nil
			}
			depth--
		}
	}
}

var xEscape = regexp.MustCompile(`_x[0-9A-Fa-f]{4}_`)

// unescapeXString decodes the _xHHHH_ escapes spreadsheet text uses for control characters
// (_x000D_ is a carriage return, _x005F_ an underscore).
func unescapeXString(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	return xEscape.ReplaceAllStringFunc(s, func(m string) string {
		n, _ := strconv.ParseUint(m[2:6], 16, 16)
		return string(rune(n))
	})
}

// xmlAttr is the value of an element's attribute without a namespace, or "".
func xmlAttr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}
