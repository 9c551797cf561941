package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/domain"
)

// planDoc is a report's plan as stored in reports.plan (JSON).
type planDoc struct {
	AutoApproveRepeated bool       `json:"auto_approve_repeated"`
	Steps               []planStep `json:"steps"`
}

type planStep struct {
	Step      int            `json:"step"`
	Name      string         `json:"name"`
	Mode      string         `json:"mode"`
	Role      string         `json:"role"`
	State     string         `json:"state"`
	Approvers []planApprover `json:"approvers"`
}

type planApprover struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Decision  string     `json:"decision"`
	DecidedAt *time.Time `json:"decided_at,omitempty"`
	Reason    string     `json:"reason"`
}

func planToJSON(p domain.Plan) (string, error) {
	if len(p.Steps) == 0 {
		return "", nil
	}
	doc := planDoc{AutoApproveRepeated: p.AutoApproveRepeated, Steps: make([]planStep, len(p.Steps))}
	for i, s := range p.Steps {
		ps := planStep{Step: s.Step, Name: s.Name, Mode: string(s.Mode), Role: string(s.Role), State: string(s.State),
			Approvers: make([]planApprover, len(s.Approvers))}
		for j, a := range s.Approvers {
			pa := planApprover{ID: string(a.ID), Name: a.Name, Decision: string(a.Decision), Reason: a.Reason}
			if !a.DecidedAt.IsZero() {
				t := a.DecidedAt.UTC()
				pa.DecidedAt = &t
			}
			ps.Approvers[j] = pa
		}
		doc.Steps[i] = ps
	}
	b, err := json.Marshal(doc)
	return string(b), err
}

func planFromJSON(s string) domain.Plan {
	if s == "" {
		return domain.Plan{}
	}
	var doc planDoc
	if err := json.Unmarshal([]byte(s), &doc); err != nil {
		// Written by us only; a broken document shows as no plan rather
		// than hiding the report.
		return domain.Plan{}
	}
	p := domain.Plan{AutoApproveRepeated: doc.AutoApproveRepeated}
	for _, s := range doc.Steps {
		ps := domain.PlanStep{Step: s.Step, Name: s.Name, Mode: domain.StepMode(s.Mode), Role: domain.Role(s.Role), State: domain.StepState(s.State)}
		for _, a := range s.Approvers {
			pa := domain.PlanApprover{ID: domain.EmployeeID(a.ID), Name: a.Name, Decision: domain.Decision(a.Decision), Reason: a.Reason}
			if a.DecidedAt != nil {
				pa.DecidedAt = a.DecidedAt.UTC()
			}
			ps.Approvers = append(ps.Approvers, pa)
		}
		p.Steps = append(p.Steps, ps)
	}
	return p
}

type pendingRow struct {
	bun.BaseModel `bun:"table:report_pending"`

	EmployeeID string `bun:",pk"`
	ReportID   string `bun:",pk"`
}

// syncPending makes report_pending list who the report waits for: the
// current step's approvers still to decide, while it is submitted.
func syncPending(ctx context.Context, tx bun.IDB, r *domain.Report) error {
	if _, err := tx.NewDelete().Model((*pendingRow)(nil)).Where("report_id = ?", string(r.ID())).Exec(ctx); err != nil {
		return fmt.Errorf("clear pending approvers of report %s: %w", r.ID(), err)
	}
	if r.Status() != domain.ReportSubmitted {
		return nil
	}
	ids := r.Plan().Pending()
	if len(ids) == 0 {
		return nil
	}
	rows := make([]pendingRow, len(ids))
	for i, id := range ids {
		rows[i] = pendingRow{EmployeeID: string(id), ReportID: string(r.ID())}
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return fmt.Errorf("record pending approvers of report %s: %w", r.ID(), err)
	}
	return nil
}

// Policies stores the approval policy: one document, versioned.
type Policies struct{ db bun.IDB }

// NewPolicies returns the policy store.
func NewPolicies(db bun.IDB) *Policies { return &Policies{db: db} }

type policyRow struct {
	bun.BaseModel `bun:"table:approval_policies"`

	ID        int `bun:",pk"`
	Version   int64
	Document  string
	UpdatedAt time.Time
	UpdatedBy string
}

// policyDoc is the stored policy document; its field names are the
// admin API's (README "Approval policy").
type policyDoc struct {
	AutoApproveRepeated bool         `json:"auto_approve_repeated"`
	Steps               []policyStep `json:"steps"`
}

type policyStep struct {
	Name        string   `json:"name"`
	Approvers   string   `json:"approvers"`
	Level       int      `json:"level,omitempty"`
	Role        string   `json:"role,omitempty"`
	Users       []string `json:"users,omitempty"`
	Mode        string   `json:"mode"`
	AmountAbove string   `json:"amount_above,omitempty"`
	Departments []string `json:"departments,omitempty"`
	IfEmpty     string   `json:"if_empty"`
}

// Policy answers the stored policy; found is false before the first save.
func (s *Policies) Policy(ctx context.Context) (domain.Policy, bool, error) {
	var row policyRow
	err := s.db.NewSelect().Model(&row).Where("id = 1").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Policy{}, false, nil
	}
	if err != nil {
		return domain.Policy{}, false, fmt.Errorf("load approval policy: %w", err)
	}
	var doc policyDoc
	if err := json.Unmarshal([]byte(row.Document), &doc); err != nil {
		return domain.Policy{}, false, fmt.Errorf("decode approval policy: %w", err)
	}
	p := domain.Policy{Version: row.Version, AutoApproveRepeated: doc.AutoApproveRepeated,
		UpdatedAt: row.UpdatedAt.UTC(), UpdatedBy: domain.EmployeeID(row.UpdatedBy)}
	for _, st := range doc.Steps {
		ps := domain.PolicyStep{Name: st.Name, Kind: domain.ApproverKind(st.Approvers), Level: st.Level, Role: domain.Role(st.Role),
			Mode: domain.StepMode(st.Mode), Departments: st.Departments, IfEmpty: domain.IfEmpty(st.IfEmpty)}
		for _, u := range st.Users {
			ps.Users = append(ps.Users, domain.EmployeeID(u))
		}
		if st.AmountAbove != "" {
			m, err := domain.ParseMoney(st.AmountAbove)
			if err != nil {
				return domain.Policy{}, false, fmt.Errorf("decode approval policy: %w", err)
			}
			ps.AmountAbove = &m
		}
		p.Steps = append(p.Steps, ps)
	}
	return p, true, nil
}

// SavePolicy stores p if the stored version is still version (0: none yet).
func (s *Policies) SavePolicy(ctx context.Context, p domain.Policy, version int64) (domain.Policy, error) {
	doc := policyDoc{AutoApproveRepeated: p.AutoApproveRepeated, Steps: make([]policyStep, len(p.Steps))}
	for i, st := range p.Steps {
		ps := policyStep{Name: strings.TrimSpace(st.Name), Approvers: string(st.Kind), Level: st.Level, Role: string(st.Role),
			Mode: string(st.Mode), Departments: st.Departments, IfEmpty: string(st.IfEmpty)}
		for _, u := range st.Users {
			ps.Users = append(ps.Users, string(u))
		}
		if st.AmountAbove != nil {
			ps.AmountAbove = st.AmountAbove.String()
		}
		doc.Steps[i] = ps
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return domain.Policy{}, err
	}
	row := policyRow{ID: 1, Version: version + 1, Document: string(b), UpdatedAt: p.UpdatedAt.UTC(), UpdatedBy: string(p.UpdatedBy)}
	conflict := domain.ErrVersionConflict.WithMessage("the approval policy was changed meanwhile; reload it").
		With(map[string]any{"version": version})
	if version == 0 {
		if _, err := s.db.NewInsert().Model(&row).Exec(ctx); err != nil {
			if _, dup := uniqueViolation(err); dup {
				return domain.Policy{}, conflict
			}
			return domain.Policy{}, fmt.Errorf("save approval policy: %w", err)
		}
	} else {
		res, err := s.db.NewUpdate().Model(&row).WherePK().Where("version = ?", version).Exec(ctx)
		if err != nil {
			return domain.Policy{}, fmt.Errorf("save approval policy: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return domain.Policy{}, conflict
		}
	}
	out, _, err := s.Policy(ctx)
	return out, err
}
