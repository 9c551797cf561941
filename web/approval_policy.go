package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

type policyHandler struct{ approvals *app.Approvals }

// policyStepJSON is one step of the policy document (README "Approval
// policy").
type policyStepJSON struct {
	Name        string   `json:"name"`
	Approvers   string   `json:"approvers"` // manager, dept_head, role, users
	Level       int      `json:"level,omitempty"`
	Role        string   `json:"role,omitempty"`
	Users       []string `json:"users,omitempty"`
	Mode        string   `json:"mode"`
	AmountAbove *string  `json:"amount_above"`
	Departments []string `json:"departments,omitempty"`
	IfEmpty     string   `json:"if_empty"`
}

type policyView struct {
	Version             int64            `json:"version"`
	AutoApproveRepeated bool             `json:"auto_approve_repeated"`
	Steps               []policyStepJSON `json:"steps"`
	UpdatedAt           *time.Time       `json:"updated_at"`
	UpdatedBy           *string          `json:"updated_by"`
}

type policyRequest struct {
	Version             *int64           `json:"version"`
	AutoApproveRepeated bool             `json:"auto_approve_repeated"`
	Steps               []policyStepJSON `json:"steps"`
}

func (r *policyRequest) validate() error {
	if r.Version == nil {
		return domain.Invalid("version", "required: the version you edited (0 before the first save)")
	}
	return nil
}

func (r *policyRequest) toDomain() (domain.Policy, error) {
	p := domain.Policy{AutoApproveRepeated: r.AutoApproveRepeated}
	for i, s := range r.Steps {
		ps := domain.PolicyStep{Name: strings.TrimSpace(s.Name), Kind: domain.ApproverKind(s.Approvers), Level: s.Level,
			Role: domain.Role(s.Role), Mode: domain.StepMode(s.Mode), Departments: s.Departments, IfEmpty: domain.IfEmpty(s.IfEmpty)}
		if ps.Mode == "" {
			ps.Mode = domain.ModeAny
		}
		if ps.IfEmpty == "" {
			ps.IfEmpty = domain.EmptySkip
		}
		for _, u := range s.Users {
			ps.Users = append(ps.Users, domain.EmployeeID(strings.TrimSpace(u)))
		}
		if s.AmountAbove != nil && strings.TrimSpace(*s.AmountAbove) != "" {
			m, err := domain.ParseMoney(strings.TrimSpace(*s.AmountAbove))
			if err != nil {
				return domain.Policy{}, domain.Invalid("steps["+strconv.Itoa(i)+"].amount_above", "must be an amount in yuan, like \"5000.00\"")
			}
			ps.AmountAbove = &m
		}
		p.Steps = append(p.Steps, ps)
	}
	return p, nil
}

func newPolicyView(p domain.Policy) policyView {
	v := policyView{Version: p.Version, AutoApproveRepeated: p.AutoApproveRepeated, Steps: make([]policyStepJSON, len(p.Steps)),
		UpdatedAt: timePtr(p.UpdatedAt)}
	if p.UpdatedBy != "" {
		by := string(p.UpdatedBy)
		v.UpdatedBy = &by
	}
	for i, s := range p.Steps {
		sv := policyStepJSON{Name: s.Name, Approvers: string(s.Kind), Level: s.Level, Role: string(s.Role),
			Mode: string(s.Mode), Departments: s.Departments, IfEmpty: string(s.IfEmpty)}
		for _, u := range s.Users {
			sv.Users = append(sv.Users, string(u))
		}
		if s.AmountAbove != nil {
			a := s.AmountAbove.String()
			sv.AmountAbove = &a
		}
		v.Steps[i] = sv
	}
	return v
}

func (h *policyHandler) get(c *fiber.Ctx) error {
	p, err := h.approvals.Policy(c.UserContext(), currentSession(c).EmployeeID)
	if err != nil {
		return err
	}
	return c.JSON(newPolicyView(p))
}

func (h *policyHandler) put(c *fiber.Ctx) error {
	var req policyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p, err := req.toDomain()
	if err != nil {
		return err
	}
	out, err := h.approvals.SavePolicy(c.UserContext(), currentSession(c).EmployeeID, p, *req.Version)
	if err != nil {
		return err
	}
	return c.JSON(newPolicyView(out))
}
