package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/baoxiao/baoxiao/domain"
)

// EmployeeCSVColumns are the columns of the employee file, in the order
// export writes them. Only id and name are required on import.
//
//	id           employee id (DECISIONS 2): lower-case letters, digits, . _ -
//	name         display name
//	department   department name
//	roles        any of employee, approver, finance, admin, separated by ; or spaces
//	manager_id   the approver's employee id
//	active       true or false (also 1/0, yes/no, 是/否); empty keeps the current value
//	oa_openid    openid under the configured Official Account
//	work_userid  userid in the configured WeCom corp
//	work_openid  the member's openid (convert_to_openid); empty keeps the one learned at sign-in
//	email        the employee's own address (the mailbox matches From by it when trusted); empty clears it
var EmployeeCSVColumns = []string{"id", "name", "department", "roles", "manager_id", "active", "oa_openid", "work_userid", "work_openid", "email"}

// EmployeeRecord is one row of an employee file: the employee as the file
// states it. Nil fields are columns the file does not have: they keep
// the employee's current values.
type EmployeeRecord struct {
	Line       int // the row's line in the file, for messages
	ID         domain.EmployeeID
	Change     EmployeeChange // Identities is never set: see the fields below
	OAOpenID   *string
	WorkUserID *string
	WorkOpenID *string
	Err        error // the row could not be read; the import reports it
}

// MaxCSVRows bounds one file.
const MaxCSVRows = 100000

// ReadEmployeesCSV reads an employee file: UTF-8 with or without a BOM, a
// header row naming the columns (any order, case-insensitive), then one
// employee per row. A row that cannot be read gets its Err; a bad header
// or a malformed file is an error for the whole file.
func ReadEmployeesCSV(r io.Reader) ([]EmployeeRecord, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xEF\xBB\xBF")) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("line 1: the file is empty; it needs a header row")
	}
	if err != nil {
		return nil, csvError(err)
	}
	col := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if !utf8.ValidString(name) {
			return nil, errors.New("line 1: the file is not UTF-8")
		}
		if !slices.Contains(EmployeeCSVColumns, name) {
			return nil, fmt.Errorf("line 1: unknown column %q (known: %s)", h, strings.Join(EmployeeCSVColumns, ", "))
		}
		if _, dup := col[name]; dup {
			return nil, fmt.Errorf("line 1: column %q appears twice", name)
		}
		col[name] = i
	}
	for _, req := range []string{"id", "name"} {
		if _, ok := col[req]; !ok {
			return nil, fmt.Errorf("line 1: the header lacks the %q column", req)
		}
	}

	var out []EmployeeRecord
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		if len(out) >= MaxCSVRows {
			return nil, fmt.Errorf("line %d: at most %d employees per file", line, MaxCSVRows)
		}
		if blank(row) {
			continue
		}
		out = append(out, parseEmployeeRow(line, row, col))
	}
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("line %d: %w", pe.StartLine, pe.Err)
	}
	return err
}

func blank(row []string) bool {
	for _, f := range row {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func parseEmployeeRow(line int, row []string, col map[string]int) EmployeeRecord {
	rec := EmployeeRecord{Line: line}
	cell := func(name string) *string {
		i, ok := col[name]
		if !ok {
			return nil
		}
		v := ""
		if i < len(row) {
			// An exported file carries defused cells (DefuseCell): read
			// them back as they were.
			v = RestoreCell(strings.TrimSpace(row[i]))
		}
		return &v
	}
	fail := func(err error) EmployeeRecord { rec.Err = err; return rec }
	for _, f := range row {
		if !utf8.ValidString(f) {
			return fail(domain.ErrInvalidInput.WithMessage("the row is not UTF-8"))
		}
	}
	id, err := domain.ParseEmployeeID(*cell("id"))
	if err != nil {
		return fail(err)
	}
	rec.ID = id
	rec.Change.Name = cell("name")
	if *rec.Change.Name == "" {
		return fail(domain.Invalid("name", "required"))
	}
	rec.Change.Department = cell("department")
	if v := cell("roles"); v != nil {
		roles := []domain.Role{}
		for _, s := range strings.FieldsFunc(*v, func(r rune) bool { return r == ';' || r == ',' || r == '|' || r == ' ' }) {
			role, err := domain.ParseRole(strings.ToLower(s))
			if err != nil {
				return fail(domain.Invalid("roles", fmt.Sprintf("unknown role %q (employee, approver, finance or admin)", s)))
			}
			roles = append(roles, role)
		}
		rec.Change.Roles = &roles
	}
	if v := cell("manager_id"); v != nil {
		m := domain.EmployeeID(*v)
		if m != "" {
			if _, err := domain.ParseEmployeeID(*v); err != nil {
				return fail(domain.Invalid("manager_id", "is not an employee id"))
			}
		}
		rec.Change.ManagerID = &m
	}
	if v := cell("active"); v != nil && *v != "" {
		b, ok := parseBool(*v)
		if !ok {
			return fail(domain.Invalid("active", "must be true or false"))
		}
		rec.Change.Active = &b
	}
	if v := cell("email"); v != nil {
		email, err := domain.ParseEmail(*v)
		if err != nil {
			return fail(err)
		}
		rec.Change.Email = &email
	}
	rec.OAOpenID, rec.WorkUserID, rec.WorkOpenID = cell("oa_openid"), cell("work_userid"), cell("work_openid")
	if rec.WorkOpenID != nil && *rec.WorkOpenID != "" && (rec.WorkUserID == nil || *rec.WorkUserID == "") {
		return fail(domain.Invalid("work_openid", "needs work_userid"))
	}
	return rec
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "1", "yes", "y", "是":
		return true, true
	case "false", "0", "no", "n", "否":
		return false, true
	}
	return false, false
}

func employeeCSVRow(apps Apps, e *domain.Employee) []string {
	roles := make([]string, 0, len(e.Roles()))
	for _, r := range e.Roles() {
		roles = append(roles, string(r))
	}
	var oa, wu, wo string
	if id, ok := e.Identity(domain.ChannelOA, apps.OA); ok && apps.OA != "" {
		oa = id.OpenID
	}
	if id, ok := e.Identity(domain.ChannelWork, apps.Work); ok && apps.Work != "" {
		wu, wo = id.UserID, id.OpenID
	}
	row := []string{
		string(e.ID()), e.Name(), e.Department(), strings.Join(roles, ";"), string(e.ManagerID()),
		fmt.Sprint(e.Active()), oa, wu, wo, e.Email(),
	}
	// Names and departments come from people and from WeCom: a cell
	// starting with = must not run as a formula when the file is opened.
	for i := range row {
		row[i] = DefuseCell(row[i])
	}
	return row
}

// Export writes every employee to w as CSV, in id order, with every
// column: the format ReadEmployeesCSV reads, so a file round-trips. Cells
// are defused (DefuseCell) and read back restored.
// Identities under apps other than the configured ones are not written
// (and an import leaves them alone).
func (d *Directory) Export(ctx context.Context, w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(EmployeeCSVColumns); err != nil {
		return err
	}
	var werr error
	err := d.eachEmployee(ctx, func(e *domain.Employee) {
		if werr == nil {
			werr = cw.Write(employeeCSVRow(d.apps, e))
		}
	})
	if err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	cw.Flush()
	return cw.Error()
}
