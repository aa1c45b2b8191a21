package service

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// TableRow is one row of an uploaded table (an XLSX sheet or a CSV file): its number in the
// file as the user sees it (1-based) and its cells from the first column on. The reader drops
// blank rows and every cell past the columns an import knows, so rows are numbered rather than
// positioned.
type TableRow struct {
	Row   int
	Cells []string
}

// Cell returns the i-th cell (0-based), trimmed; "" past the end of the row.
func (r TableRow) Cell(i int) string {
	if i < len(r.Cells) {
		return Clean(r.Cells[i])
	}
	return ""
}

// TableBody drops the header row (the first row, recognized by its first cell containing
// header) and blank rows.
func TableBody(table []TableRow, header string) []TableRow {
	var rows []TableRow
	for i, row := range table {
		if i == 0 && strings.Contains(row.Cell(0), header) {
			continue
		}
		if slices.ContainsFunc(row.Cells, func(c string) bool { return Clean(c) != "" }) {
			rows = append(rows, row)
		}
	}
	return rows
}

// ImportReport is the outcome of an import, which writes all rows or none: how many rows were
// written, or, when any row is bad, the bad rows and nothing written.
type ImportReport struct {
	Imported int
	Errors   []ImportRowError
}

// ImportRowError names one bad row, numbered as in the file (a header is row 1).
type ImportRowError struct {
	Row     int    `json:"row"`
	Message string `json:"message"`
}

// MaxImportErrors bounds an import's error report; the refusal's message still gives the total.
const MaxImportErrors = 500

// RowErrors collects the messages of an import's bad rows by row number.
type RowErrors map[int][]string

// Add records a message for a row.
func (e RowErrors) Add(row int, msg string) { e[row] = append(e[row], msg) }

// Report lists the bad rows in file order, at most MaxImportErrors, each with its messages
// joined into one.
func (e RowErrors) Report() []ImportRowError {
	rows := slices.Sorted(maps.Keys(e))
	out := make([]ImportRowError, 0, min(len(rows), MaxImportErrors))
	for _, r := range rows[:min(len(rows), MaxImportErrors)] {
		out = append(out, ImportRowError{Row: r, Message: strings.Join(e[r], "；")})
	}
	return out
}

// Reject fills rep with the bad rows and returns the error that refuses the import (and rolls
// back its transaction).
func (e RowErrors) Reject(rep *ImportReport) error {
	rep.Imported, rep.Errors = 0, e.Report()
	msg := fmt.Sprintf("共有 %d 行有误，未导入任何数据，请修改后重新导入", len(e))
	return &Error{Kind: ErrUnprocessable, Code: "import_invalid", Message: msg}
}

// RowMessage joins the field errors of a row's validation into one message.
func RowMessage(err error) string {
	var se *Error
	if errors.As(err, &se) && len(se.Fields) > 0 {
		parts := make([]string, 0, len(se.Fields))
		for _, f := range se.Fields {
			parts = append(parts, f.Message)
		}
		return strings.Join(parts, "；")
	}
	return err.Error()
}
