package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/app/intake"
	"github.com/baoxiao/baoxiao/domain"
)

// registerDirectoryRoutes adds the employee directory (and its lookup for
// the pages' pickers), the company settings and the approver reassignment
// (issue 10) to the signed-in API.
func registerDirectoryRoutes(r fiber.Router, deps Deps) {
	if deps.Directory != nil {
		h := &employeeHandler{dir: deps.Directory, mailbox: deps.Mailbox}
		r.Get("/admin/employees", h.list)
		r.Post("/admin/employees", h.create)
		r.Post("/admin/employees/sync-work", h.syncWork)
		r.Get("/admin/employees/:id", h.get)
		r.Patch("/admin/employees/:id", h.update)
		// The pickers' lookup: names for every signed-in employee.
		r.Get("/directory", h.lookup)
	}
	if deps.Auth != nil {
		h := &signOutHandler{auth: deps.Auth}
		r.Post("/admin/employees/:id/sign-out", h.signOut)
	}
	if deps.Company != nil {
		h := &companyHandler{company: deps.Company}
		r.Get("/admin/company", h.get)
		r.Put("/admin/company", h.put)
		r.Get("/company/title-link", h.titleLink)
	}
	if deps.Reports != nil {
		h := &reportHandler{reports: deps.Reports, originals: deps.Originals}
		r.Post("/reports/:id/reassign", h.reassign)
	}
	if deps.Approvals != nil {
		h := &policyHandler{approvals: deps.Approvals}
		r.Get("/admin/approval-policy", h.get)
		r.Put("/admin/approval-policy", h.put)
	}
}

type employeeHandler struct {
	dir     *app.Directory
	mailbox *intake.Mailbox
}

type identityView struct {
	Channel string `json:"channel"`
	AppID   string `json:"app_id"`
	OpenID  string `json:"openid"`
	UserID  string `json:"userid"`
}

type employeeView struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	Department string         `json:"department"`
	Roles      []string       `json:"roles"`
	ManagerID  *string        `json:"manager_id"`
	Active     bool           `json:"active"`
	Identities []identityView `json:"identities"`
	Email      string         `json:"email"`
	// IntakeAddress is the employee's mailbox address (DECISIONS 48).
	IntakeAddress *string   `json:"intake_address"`
	Version       int64     `json:"version"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func (h *employeeHandler) view(e *domain.Employee) employeeView {
	v := newEmployeeView(e)
	v.IntakeAddress = intakeAddress(h.mailbox, e)
	return v
}

func newEmployeeView(e *domain.Employee) employeeView {
	v := employeeView{
		ID: string(e.ID()), Name: e.Name(), Department: e.Department(), Roles: []string{}, Active: e.Active(), Email: e.Email(),
		Identities: []identityView{}, Version: e.Version(),
		CreatedAt: e.CreatedAt().In(shanghai), UpdatedAt: e.UpdatedAt().In(shanghai),
	}
	for _, r := range e.Roles() {
		v.Roles = append(v.Roles, string(r))
	}
	if m := e.ManagerID(); m != "" {
		s := string(m)
		v.ManagerID = &s
	}
	for _, id := range e.Identities() {
		v.Identities = append(v.Identities, identityView{Channel: string(id.Channel), AppID: id.AppID, OpenID: id.OpenID, UserID: id.UserID})
	}
	return v
}

// optionalString tells a missing field (unchanged) from null or "" (clear).
type optionalString struct {
	set   bool
	value string
}

func (o *optionalString) UnmarshalJSON(b []byte) error {
	o.set = true
	if bytes.Equal(b, []byte("null")) {
		o.value = ""
		return nil
	}
	return json.Unmarshal(b, &o.value)
}

type employeeFields struct {
	Name       *string         `json:"name"`
	Department *string         `json:"department"`
	Roles      *[]string       `json:"roles"`
	ManagerID  optionalString  `json:"manager_id"`
	Active     *bool           `json:"active"`
	Identities *[]identityView `json:"identities"`
	Email      *string         `json:"email"`
}

// change turns the fields into an app.EmployeeChange, checking roles and
// channels.
func (f employeeFields) change() (app.EmployeeChange, error) {
	ch := app.EmployeeChange{Name: f.Name, Department: f.Department, Active: f.Active}
	if f.Email != nil {
		email, err := domain.ParseEmail(*f.Email)
		if err != nil {
			return ch, err
		}
		ch.Email = &email
	}
	if f.Roles != nil {
		roles := make([]domain.Role, 0, len(*f.Roles))
		for _, s := range *f.Roles {
			r, err := domain.ParseRole(s)
			if err != nil {
				return ch, domain.Invalid("roles", `each role must be "employee", "approver", "finance", "cashier" or "admin"`)
			}
			roles = append(roles, r)
		}
		ch.Roles = &roles
	}
	if f.ManagerID.set {
		m := domain.EmployeeID(f.ManagerID.value)
		ch.ManagerID = &m
	}
	if f.Identities != nil {
		ids := make([]domain.Identity, 0, len(*f.Identities))
		for i, v := range *f.Identities {
			c, err := domain.ParseChannel(v.Channel)
			if err != nil {
				return ch, domain.Invalid(fmt.Sprintf("identities[%d].channel", i), `must be "oa" or "work"`)
			}
			ids = append(ids, domain.Identity{Channel: c, AppID: v.AppID, OpenID: v.OpenID, UserID: v.UserID})
		}
		ch.Identities = &ids
	}
	return ch, nil
}

type createEmployeeRequest struct {
	ID string `json:"id"`
	employeeFields
}

func (r *createEmployeeRequest) validate() error {
	if r.ID == "" {
		return domain.Invalid("id", "required")
	}
	if r.Name == nil {
		return domain.Invalid("name", "required")
	}
	return nil
}

type updateEmployeeRequest struct {
	Version *int64 `json:"version"`
	employeeFields
}

func (r *updateEmployeeRequest) validate() error {
	if r.Version == nil {
		return domain.Invalid("version", "required")
	}
	return nil
}

func (h *employeeHandler) list(c *fiber.Ctx) error {
	after, limit, err := page(c)
	if err != nil {
		return err
	}
	es, err := h.dir.List(c.UserContext(), currentSession(c).EmployeeID, domain.EmployeeID(after), limit)
	if err != nil {
		return err
	}
	v := listView[employeeView]{Items: make([]employeeView, len(es))}
	for i, e := range es {
		v.Items[i] = h.view(e)
	}
	if len(es) > 0 {
		v.NextCursor = nextCursor(len(es), limit, string(es[len(es)-1].ID()))
	}
	return c.JSON(v)
}

func (h *employeeHandler) get(c *fiber.Ctx) error {
	e, err := h.dir.Get(c.UserContext(), currentSession(c).EmployeeID, domain.EmployeeID(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(h.view(e))
}

func (h *employeeHandler) create(c *fiber.Ctx) error {
	var req createEmployeeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ch, err := req.change()
	if err != nil {
		return err
	}
	e, err := h.dir.Create(c.UserContext(), currentSession(c).EmployeeID, domain.EmployeeID(req.ID), ch)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(h.view(e))
}

func (h *employeeHandler) update(c *fiber.Ctx) error {
	var req updateEmployeeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ch, err := req.change()
	if err != nil {
		return err
	}
	e, err := h.dir.Update(c.UserContext(), currentSession(c).EmployeeID, domain.EmployeeID(c.Params("id")), *req.Version, ch)
	if err != nil {
		return err
	}
	return c.JSON(h.view(e))
}

type syncSkipView struct {
	UserID string `json:"userid"`
	Reason string `json:"reason"`
}

type syncWorkView struct {
	Created     []string       `json:"created"`
	Updated     []string       `json:"updated"`
	Deactivated []string       `json:"deactivated"`
	Unchanged   int            `json:"unchanged"`
	Skipped     []syncSkipView `json:"skipped"`
	Missing     []string       `json:"missing"`
}

func idStrings(ids []domain.EmployeeID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = string(id)
	}
	return out
}

func (h *employeeHandler) syncWork(c *fiber.Ctx) error {
	if err := decodeJSON(c, &struct{}{}); err != nil {
		return err
	}
	res, err := h.dir.SyncWorkAs(c.UserContext(), currentSession(c).EmployeeID)
	if err != nil {
		return err
	}
	v := syncWorkView{
		Created: idStrings(res.Created), Updated: idStrings(res.Updated), Deactivated: idStrings(res.Deactivated),
		Unchanged: res.Unchanged, Skipped: make([]syncSkipView, len(res.Skipped)), Missing: idStrings(res.Missing),
	}
	for i, s := range res.Skipped {
		v.Skipped[i] = syncSkipView{UserID: s.UserID, Reason: s.Reason}
	}
	return c.JSON(v)
}

type signOutHandler struct{ auth *app.Auth }

type signOutView struct {
	EmployeeID    string `json:"employee_id"`
	SessionsEnded int64  `json:"sessions_ended"`
}

// signOut ends every session of an employee, on every device, at their
// next request (admin: "sign out everywhere", issue 15).
func (h *signOutHandler) signOut(c *fiber.Ctx) error {
	if err := decodeJSON(c, &struct{}{}); err != nil {
		return err
	}
	id := domain.EmployeeID(c.Params("id"))
	n, err := h.auth.SignOutEverywhere(c.UserContext(), currentSession(c).EmployeeID, id)
	if err != nil {
		return err
	}
	return c.JSON(signOutView{EmployeeID: string(id), SessionsEnded: n})
}
