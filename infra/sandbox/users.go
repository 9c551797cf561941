package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/uptrace/bun"
)

// DemoUser is one person of the demo company, as the sandbox knows them on
// both channels. main seeds the product's employees from DemoUsers.
type DemoUser struct {
	ID         string   // employee id (DECISIONS 2)
	Name       string   // 姓名
	Department string   // department name
	Roles      []string // "employee", "approver", "finance", "cashier", "admin"
	ManagerID  string   // the approver's employee id, or ""
	OAOpenID   string   // openid under the demo Official Account
	WorkUserID string   // WeCom userid, "" when not a WeCom member
	WorkOpenID string   // WeCom convert_to_openid result, "" when not a member
}

// DemoUsers are the demo company's people (shared/API.md "Sessions").
// emp-li uses the Official Account only; the others are also WeCom members.
var DemoUsers = []DemoUser{
	{
		ID: "emp-li", Name: "李娜", Department: "市场部", Roles: []string{"employee"}, ManagerID: "mgr-zhao",
		OAOpenID: "oSBXzYSSB_RINXPW7YH1TX81-o6p",
	},
	{
		ID: "emp-wang", Name: "王芳", Department: "销售部", Roles: []string{"employee"}, ManagerID: "mgr-zhao",
		OAOpenID: "oSBXqocN77z5mDrOPTocrNisZFFp", WorkUserID: "WangFang", WorkOpenID: "oSBWK0lgzOrOZp8KFbUIotc2j0Ff",
	},
	{
		ID: "mgr-zhao", Name: "赵磊", Department: "市场销售中心", Roles: []string{"employee", "approver"}, ManagerID: "dir-sun",
		OAOpenID: "oSBXsBwsze-_k-dDUUF-MQwQdNDs", WorkUserID: "ZhaoLei", WorkOpenID: "oSBWpGYch1bIWEfheKlAbKmENjxN",
	},
	{
		ID: "fin-chen", Name: "陈静", Department: "财务部", Roles: []string{"employee", "finance"},
		OAOpenID: "oSBX2nfv9Ey0_Wd37rxFqDRNhGJ-", WorkUserID: "ChenJing", WorkOpenID: "oSBWeJNh_nO2wpS13emSNxIY0dXX",
	},
	{
		ID: "admin", Name: "系统管理员", Department: "信息技术部", Roles: []string{"employee", "admin"},
		OAOpenID: "oSBX6Tuz6L-6xH2z4SF6XvNYv3fC", WorkUserID: "BaoxiaoAdmin", WorkOpenID: "oSBWUQuB8imAWyekE2DuEUveTVC9",
	},
	// dir-sun and fin-zhou make the demo approval chain (DECISIONS 45):
	// 赵磊's manager approves larger reports, 周 reviews and pays.
	{
		ID: "dir-sun", Name: "孙伟", Department: "总经办", Roles: []string{"employee", "approver"},
		OAOpenID: "oSBXs7nDiR3ct0rSunWeiDem0a1b",
	},
	{
		ID: "fin-zhou", Name: "周敏", Department: "财务部", Roles: []string{"employee", "finance", "cashier"},
		OAOpenID: "oSBXz5hOuF1nMinDem0Cashier9c",
	},
}

// userRow is a person known to one app: an OA follower (openid) or a WeCom
// member (userid + openid) or non-member (openid only).
type userRow struct {
	bun.BaseModel `bun:"table:sandbox_users"`
	Channel       string `bun:"channel,pk"`
	AppID         string `bun:"appid,pk"`
	OpenID        string `bun:"openid,pk"`
	UserID        string `bun:"userid"`
	EmployeeID    string `bun:"employee_id"`
	Name          string `bun:"name"`
	Department    string `bun:"department"`
	ManagerID     string `bun:"manager_id"` // employee id
	Member        int64  `bun:"member"`     // WeCom: 1 member, 0 outsider
	CreatedMS     int64  `bun:"created_ms"`
	Seq           int64  `bun:"seq"`
}

type departmentRow struct {
	bun.BaseModel `bun:"table:sandbox_departments"`
	CorpID        string `bun:"corpid,pk"`
	ID            int64  `bun:"id,pk"`
	Name          string `bun:"name"`
	ParentID      int64  `bun:"parent_id"`
	SortOrder     int64  `bun:"sort_order"`
}

var errUserExists = errors.New("user exists")

// addUser stores u unless the app already knows that openid (or, on WeCom,
// that userid). Callers hold s.mu.
func (s *Sandbox) addUser(ctx context.Context, u userRow) error {
	n, err := s.db.NewSelect().Model((*userRow)(nil)).
		Where("channel = ? AND appid = ?", u.Channel, u.AppID).
		Where("(openid = ? OR (userid <> '' AND userid = ?))", u.OpenID, u.UserID).Count(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return errUserExists
	}
	var maxSeq sql.NullInt64
	if err := s.db.NewSelect().Model((*userRow)(nil)).ColumnExpr("MAX(seq)").Scan(ctx, &maxSeq); err != nil {
		return err
	}
	u.Seq = maxSeq.Int64 + 1
	u.CreatedMS = s.nowMS()
	if u.Channel == channelWork && u.Department != "" {
		if _, err := s.department(ctx, u.AppID, u.Department); err != nil {
			return err
		}
	}
	_, err = s.db.NewInsert().Model(&u).Exec(ctx)
	return err
}

// department finds or creates the WeCom department with that name under
// the root (id 1, the company).
func (s *Sandbox) department(ctx context.Context, corpID, name string) (int64, error) {
	var rows []departmentRow
	if err := s.db.NewSelect().Model(&rows).Where("corpid = ?", corpID).OrderExpr("id").Scan(ctx); err != nil {
		return 0, err
	}
	if len(rows) == 0 {
		root := departmentRow{CorpID: corpID, ID: 1, Name: s.opts.CompanyName, SortOrder: 100000000}
		if _, err := s.db.NewInsert().Model(&root).Exec(ctx); err != nil {
			return 0, err
		}
		rows = append(rows, root)
	}
	for _, d := range rows {
		if d.Name == name {
			return d.ID, nil
		}
	}
	d := departmentRow{CorpID: corpID, ID: rows[len(rows)-1].ID + 1, Name: name, ParentID: 1,
		SortOrder: 100000000 - int64(len(rows))*1000}
	_, err := s.db.NewInsert().Model(&d).Exec(ctx)
	return d.ID, err
}

func (s *Sandbox) users(ctx context.Context, channel, appID string) ([]userRow, error) {
	var rows []userRow
	err := s.db.NewSelect().Model(&rows).Where("channel = ? AND appid = ?", channel, appID).
		OrderExpr("seq").Scan(ctx)
	return rows, err
}

// userByOpenID finds a user of the app by openid, or on WeCom also by
// userid; nil when unknown.
func (s *Sandbox) userByOpenID(ctx context.Context, channel, appID, id string) (*userRow, error) {
	var u userRow
	q := s.db.NewSelect().Model(&u).Where("channel = ? AND appid = ?", channel, appID)
	if channel == channelWork {
		q = q.Where("(openid = ? OR (userid <> '' AND userid = ?))", id, id)
	} else {
		q = q.Where("openid = ?", id)
	}
	err := q.Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &u, err
}

func (s *Sandbox) userByUserID(ctx context.Context, corpID, userID string) (*userRow, error) {
	if userID == "" {
		return nil, nil
	}
	var u userRow
	err := s.db.NewSelect().Model(&u).
		Where("channel = ? AND appid = ? AND userid = ?", channelWork, corpID, userID).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &u, err
}

// seedUsers registers the demo users with the OA account and the WeCom
// corp; users already known are left as they are.
func (s *Sandbox) seedUsers(ctx context.Context) error {
	for _, d := range DemoUsers {
		if d.WorkUserID != "" {
			// Departments first, in the demo order, so their ids are stable.
			if _, err := s.department(ctx, s.work.appID, d.Department); err != nil {
				return err
			}
		}
	}
	for _, d := range DemoUsers {
		oa := userRow{Channel: channelOA, AppID: s.oa.appID, OpenID: d.OAOpenID, EmployeeID: d.ID,
			Name: d.Name, Department: d.Department, ManagerID: d.ManagerID}
		if err := s.addUser(ctx, oa); err != nil && !errors.Is(err, errUserExists) {
			return fmt.Errorf("seed OA user %s: %w", d.ID, err)
		}
		if d.WorkUserID == "" {
			continue
		}
		w := userRow{Channel: channelWork, AppID: s.work.appID, OpenID: d.WorkOpenID, UserID: d.WorkUserID,
			EmployeeID: d.ID, Name: d.Name, Department: d.Department, ManagerID: d.ManagerID, Member: 1}
		if err := s.addUser(ctx, w); err != nil && !errors.Is(err, errUserExists) {
			return fmt.Errorf("seed WeCom user %s: %w", d.ID, err)
		}
	}
	return nil
}
