package sandbox

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// The WeCom address list (通讯录), in the shapes silenceper v2.1.14's
// work/addresslist decodes, for the directory sync. Departments: the root
// (id 1, the company) and one per department name of the corp's users.
// A user's direct leader is their manager; a manager leads their own
// department.

type departmentView struct {
	ID               int64    `json:"id"`
	Name             string   `json:"name"`
	NameEn           string   `json:"name_en"`
	DepartmentLeader []string `json:"department_leader"`
	ParentID         int64    `json:"parentid"`
	Order            int64    `json:"order"`
}

type memberView struct {
	UserID         string   `json:"userid"`
	Name           string   `json:"name"`
	Department     []int64  `json:"department"`
	Order          []int64  `json:"order"`
	Position       string   `json:"position"`
	Mobile         string   `json:"mobile"`
	Gender         string   `json:"gender"`
	Email          string   `json:"email"`
	IsLeaderInDept []int64  `json:"is_leader_in_dept"`
	DirectLeader   []string `json:"direct_leader"`
	Avatar         string   `json:"avatar"`
	ThumbAvatar    string   `json:"thumb_avatar"`
	Telephone      string   `json:"telephone"`
	Alias          string   `json:"alias"`
	Status         int      `json:"status"`
	MainDepartment int64    `json:"main_department"`
}

type simpleMemberView struct {
	UserID     string  `json:"userid"`
	Name       string  `json:"name"`
	Department []int64 `json:"department"`
}

// directory is the corp's departments and members, resolved.
type directory struct {
	depts   []departmentRow
	members []userRow
	deptID  map[string]int64 // name → id
	userID  map[string]string
	leaders map[string]bool // employee ids that manage someone
}

func (s *Sandbox) directory(ctx context.Context, corpID string) (*directory, error) {
	d := &directory{deptID: map[string]int64{}, userID: map[string]string{}, leaders: map[string]bool{}}
	if err := s.db.NewSelect().Model(&d.depts).Where("corpid = ?", corpID).OrderExpr("id").Scan(ctx); err != nil {
		return nil, err
	}
	users, err := s.users(ctx, channelWork, corpID)
	if err != nil {
		return nil, err
	}
	for _, dep := range d.depts {
		d.deptID[dep.Name] = dep.ID
	}
	for _, u := range users {
		if u.Member == 1 && u.UserID != "" {
			d.members = append(d.members, u)
			if u.EmployeeID != "" {
				d.userID[u.EmployeeID] = u.UserID
			}
		}
	}
	for _, u := range d.members {
		if u.ManagerID != "" {
			d.leaders[u.ManagerID] = true
		}
	}
	return d, nil
}

func (d *directory) memberDept(u userRow) int64 {
	if id, ok := d.deptID[u.Department]; ok {
		return id
	}
	return 1
}

// subtree is dept id and, with children, every department below it.
func (d *directory) subtree(id int64, children bool) map[int64]bool {
	out := map[int64]bool{id: true}
	for changed := children; changed; {
		changed = false
		for _, dep := range d.depts {
			if out[dep.ParentID] && !out[dep.ID] && dep.ID != dep.ParentID {
				out[dep.ID], changed = true, true
			}
		}
	}
	return out
}

func (d *directory) hasDept(id int64) bool {
	for _, dep := range d.depts {
		if dep.ID == id {
			return true
		}
	}
	return false
}

func (d *directory) deptView(dep departmentRow) departmentView {
	v := departmentView{ID: dep.ID, Name: dep.Name, ParentID: dep.ParentID, Order: dep.SortOrder, DepartmentLeader: []string{}}
	for _, u := range d.members {
		if d.leaders[u.EmployeeID] && d.memberDept(u) == dep.ID {
			v.DepartmentLeader = append(v.DepartmentLeader, u.UserID)
		}
	}
	return v
}

func (d *directory) memberView(u userRow) memberView {
	dept := d.memberDept(u)
	v := memberView{
		UserID: u.UserID, Name: u.Name, Department: []int64{dept}, Order: []int64{0},
		Gender: "0", IsLeaderInDept: []int64{0}, DirectLeader: []string{}, Status: 1, MainDepartment: dept,
	}
	if d.leaders[u.EmployeeID] {
		v.IsLeaderInDept = []int64{1}
	}
	if m := d.userID[u.ManagerID]; m != "" {
		v.DirectLeader = []string{m}
	}
	return v
}

func queryID(c *fiber.Ctx, name string) (int64, bool) {
	v := c.Query(name)
	if v == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

// GET /cgi-bin/department/list?access_token[&id]
func (s *Sandbox) handleDepartmentList(c *fiber.Ctx) error {
	d, ok := s.workDirectory(c)
	if !ok {
		return nil
	}
	id, ok := queryID(c, "id")
	if !ok {
		return fail(c, 60123)
	}
	in := map[int64]bool{}
	if id != 0 {
		if !d.hasDept(id) {
			return fail(c, 60123)
		}
		in = d.subtree(id, true)
	}
	views := []departmentView{}
	for _, dep := range d.depts {
		if id == 0 || in[dep.ID] {
			views = append(views, d.deptView(dep))
		}
	}
	return reply(c, struct {
		wxStatus
		Department []departmentView `json:"department"`
	}{okStatus(), views})
}

// GET /cgi-bin/department/simplelist?access_token[&id]
func (s *Sandbox) handleDepartmentSimpleList(c *fiber.Ctx) error {
	d, ok := s.workDirectory(c)
	if !ok {
		return nil
	}
	id, ok := queryID(c, "id")
	if !ok || (id != 0 && !d.hasDept(id)) {
		return fail(c, 60123)
	}
	in := d.subtree(id, true)
	type item struct {
		ID       int64 `json:"id"`
		ParentID int64 `json:"parentid"`
		Order    int64 `json:"order"`
	}
	items := []item{}
	for _, dep := range d.depts {
		if id == 0 || in[dep.ID] {
			items = append(items, item{dep.ID, dep.ParentID, dep.SortOrder})
		}
	}
	return reply(c, struct {
		wxStatus
		DepartmentID []item `json:"department_id"`
	}{okStatus(), items})
}

// GET /cgi-bin/department/get?access_token&id
func (s *Sandbox) handleDepartmentGet(c *fiber.Ctx) error {
	d, ok := s.workDirectory(c)
	if !ok {
		return nil
	}
	id, ok := queryID(c, "id")
	if ok {
		for _, dep := range d.depts {
			if dep.ID == id {
				return reply(c, struct {
					wxStatus
					Department departmentView `json:"department"`
				}{okStatus(), d.deptView(dep)})
			}
		}
	}
	return fail(c, 60123)
}

// membersOf answers the members of ?department_id (with &fetch_child=1,
// of its subtree too).
func (s *Sandbox) membersOf(c *fiber.Ctx) (*directory, []userRow, bool) {
	d, ok := s.workDirectory(c)
	if !ok {
		return nil, nil, false
	}
	id, ok := queryID(c, "department_id")
	if !ok || id == 0 || !d.hasDept(id) {
		_ = fail(c, 60123)
		return nil, nil, false
	}
	in := d.subtree(id, c.Query("fetch_child") == "1")
	var out []userRow
	for _, u := range d.members {
		if in[d.memberDept(u)] {
			out = append(out, u)
		}
	}
	return d, out, true
}

// GET /cgi-bin/user/simplelist?access_token&department_id[&fetch_child=1]
func (s *Sandbox) handleUserSimpleList(c *fiber.Ctx) error {
	d, members, ok := s.membersOf(c)
	if !ok {
		return nil
	}
	list := []simpleMemberView{}
	for _, u := range members {
		list = append(list, simpleMemberView{u.UserID, u.Name, []int64{d.memberDept(u)}})
	}
	return reply(c, struct {
		wxStatus
		UserList []simpleMemberView `json:"userlist"`
	}{okStatus(), list})
}

// GET /cgi-bin/user/list?access_token&department_id[&fetch_child=1]
func (s *Sandbox) handleUserList(c *fiber.Ctx) error {
	d, members, ok := s.membersOf(c)
	if !ok {
		return nil
	}
	list := []memberView{}
	for _, u := range members {
		list = append(list, d.memberView(u))
	}
	return reply(c, struct {
		wxStatus
		UserList []memberView `json:"userlist"`
	}{okStatus(), list})
}

// GET /cgi-bin/user/get?access_token&userid
func (s *Sandbox) handleUserGet(c *fiber.Ctx) error {
	d, ok := s.workDirectory(c)
	if !ok {
		return nil
	}
	for _, u := range d.members {
		if u.UserID == c.Query("userid") {
			return reply(c, struct {
				wxStatus
				memberView
			}{okStatus(), d.memberView(u)})
		}
	}
	return fail(c, 60111)
}

func (s *Sandbox) workDirectory(c *fiber.Ctx) (*directory, bool) {
	tok, ok := s.authToken(c, channelWork)
	if !ok {
		return nil, false
	}
	d, err := s.directory(c.UserContext(), tok.AppID)
	if err != nil {
		s.internal(c, "load directory", err)
		return nil, false
	}
	return d, true
}
