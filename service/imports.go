package service

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
