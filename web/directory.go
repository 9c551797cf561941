package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// directoryEntryView is one person in a directory lookup: exactly what a
// picker shows, nothing of their identities, roles or bank account.
type directoryEntryView struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Department string `json:"department"`
}

// lookup answers GET /api/v1/directory?q=&limit= (default 20, 1..50):
// active employees whose name, id or department contains q, for any
// signed-in employee (app.Directory.Lookup says why).
func (h *employeeHandler) lookup(c *fiber.Ctx) error {
	limit := 20
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return domain.Invalid("limit", "must be a whole number from 1 to "+strconv.Itoa(app.MaxLookup))
		}
		limit = n
	}
	people, err := h.dir.Lookup(c.UserContext(), currentSession(c).EmployeeID, c.Query("q"), limit)
	if err != nil {
		return err
	}
	v := struct {
		Items []directoryEntryView `json:"items"`
	}{Items: make([]directoryEntryView, len(people))}
	for i, p := range people {
		v.Items[i] = directoryEntryView{ID: string(p.ID), Name: p.Name, Department: p.Department}
	}
	return c.JSON(v)
}
