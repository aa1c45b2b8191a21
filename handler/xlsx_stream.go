package handler

import (
	"net/http"
	"net/url"
	"time"

	"liaison/service"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"
)

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

// singleSheet starts a workbook of one streamed sheet named sheet; the caller closes f.
func singleSheet(sheet string) (*excelize.File, *sheetStream, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		f.Close()
		return nil, nil, err
	}
	sw, err := newSheetStream(f, sheet)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, sw, nil
}

// sendXLSX flushes the stream and answers with the workbook as an attachment: file is the
// ASCII name for old clients, name the (Chinese) name for the rest.
func sendXLSX(c *gin.Context, f *excelize.File, sw *sheetStream, file, name string) {
	if err := sw.flush(); err != nil {
		_ = c.Error(err)
		return
	}
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Header("Content-Disposition", "attachment; filename=\""+file+"\"; filename*=UTF-8''"+url.PathEscape(name))
	c.Status(http.StatusOK)
	_ = f.Write(c.Writer)
}

// sheetTime is a time as exported sheets show it: Beijing time to the minute; zero is empty.
func sheetTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(service.Zone).Format("2006-01-02 15:04")
}
