package service

import "github.com/baoxiao/baoxiao/domain"

// DemoThreshold is the demo chain's amount above which the director
// approves too.
var DemoThreshold = domain.MoneyFromCents(500_00)

// DemoPolicy is the sandbox's approval chain (issue 17): the manager, the
// manager's manager above DemoThreshold, then finance review. dir-sun is
// mgr-zhao's manager, so emp-li's larger reports go 赵磊 → 孙 → finance.
func DemoPolicy() domain.Policy {
	above := DemoThreshold
	return domain.Policy{
		AutoApproveRepeated: true,
		Steps: []domain.PolicyStep{
			{Name: "主管审批", Kind: domain.ApproversManager, Level: 1, Mode: domain.ModeAny, IfEmpty: domain.EmptySkip},
			{Name: "总监审批", Kind: domain.ApproversManager, Level: 2, Mode: domain.ModeAny, IfEmpty: domain.EmptySkip, AmountAbove: &above},
			{Name: "财务复核", Kind: domain.ApproversRole, Role: domain.RoleFinance, Mode: domain.ModeAny, IfEmpty: domain.EmptySkip},
		},
	}
}
