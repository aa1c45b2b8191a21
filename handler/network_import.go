package handler

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"liaison/service"
	"liaison/service/network"
)

type importFunc func(ctx context.Context, a service.Actor, table []service.TableRow) (service.ImportReport, error)

// runImport reads the uploaded table, at most network.MaxImportRows rows of the first cols
// columns, and runs the import. A file with bad rows is a 422 whose body carries both the
// error shape and the per-row report; nothing was written then.
func (h *networkHandlers) runImport(c *gin.Context, cols int, run importFunc) {
	a := actor(c)
	if !a.Has(service.RoleAdmin) {
		_ = c.Error(service.NewError(service.ErrForbidden, "forbidden", "没有权限，需要管理员账号"))
		return
	}
	table, err := ReadImportTable(c, cols)
	if err != nil {
		_ = c.Error(err)
		return
	}
	rep, err := run(c.Request.Context(), a, table)
	if importRejected(c, err, rep) {
		return
	}
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"imported": rep.Imported, "errors": []service.ImportRowError{}})
}

// ReadImportTable reads an import's uploaded table (the multipart field file, CSV or XLSX): at
// most network.MaxImportRows rows of the first cols columns. The API's imports and the web
// console's read files this one way.
func ReadImportTable(c *gin.Context, cols int) ([]service.TableRow, error) {
	data, err := readUpload(c)
	if err != nil {
		return nil, err
	}
	return readTable(data, network.MaxImportRows, cols)
}
