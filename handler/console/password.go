package console

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"
)

// The password page. After an admin's reset the account may only change its password (the
// API's gate answers 403 password_change_required to everything else); the console sends such
// a session here from every page, the same rule on the console's side of the house.

type passwordData struct {
	Form     *form
	Required bool
}

func (h *console) passwordRoutes(in *gin.RouterGroup) {
	in.GET("/password", func(c *gin.Context) { h.showPassword(c, http.StatusOK, newForm("password", url.Values{})) })
	in.POST("/password", h.changePassword)
}

// mustChangePassword keeps a session whose password was reset on the password page (and
// logout); it runs after session.
func (h *console) mustChangePassword(c *gin.Context) {
	if !actor(c).MustChangePassword {
		c.Next()
		return
	}
	switch c.Request.URL.Path {
	case "/console/password", "/console/logout":
		c.Next()
		return
	}
	sendTo(c, "/console/password", http.StatusForbidden)
}

func (h *console) showPassword(c *gin.Context, status int, f *form) {
	h.page(c, status, "password", "修改密码", "", passwordData{Form: f, Required: actor(c).MustChangePassword})
}

func (h *console) changePassword(c *gin.Context) {
	f := newForm("password", url.Values{}) // passwords are never shown again
	s, err := h.Auth.ChangePassword(c.Request.Context(), actor(c), c.PostForm("old_password"), c.PostForm("new_password"))
	if err != nil {
		if !f.take(err) {
			h.fail(c, err)
			return
		}
		h.showPassword(c, statusOf(err), f)
		return
	}
	// Changing the password ended every session: carry on with the new one.
	h.setCookie(c, sessionCookie, s.Token, "/console", 0)
	c.Redirect(http.StatusSeeOther, "/console/triage")
}
