package handler

import "github.com/xuri/excelize/v2"

// sheetStream writes the rows of one sheet of f in order, streamed: for lists of any length
// (the ledger, a material's unread deputies). Flush it before writing the file.
type sheetStream struct {
	sw   *excelize.StreamWriter
	next int // the row number the next row gets
}

func newSheetStream(f *excelize.File, sheet string) (*sheetStream, error) {
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	return &sheetStream{sw: sw, next: 1}, nil
}

// write appends a row.
func (s *sheetStream) write(cells []any) error {
	cell, _ := excelize.CoordinatesToCellName(1, s.next)
	s.next++
	return s.sw.SetRow(cell, cells)
}

// rows is how many rows were written.
func (s *sheetStream) rows() int { return s.next - 1 }

func (s *sheetStream) flush() error { return s.sw.Flush() }
