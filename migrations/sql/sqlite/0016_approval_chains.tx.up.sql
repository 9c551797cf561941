-- Approval chains (issue 17, DECISIONS 32, 43): the policy document, each
-- report's plan (JSON, resolved at submit), and the current step's pending
-- approvers as rows, so 待我审批 is one indexed lookup.
CREATE TABLE approval_policies (
  id          INTEGER NOT NULL PRIMARY KEY,
  version     INTEGER NOT NULL,
  document    TEXT NOT NULL,
  updated_at  TIMESTAMP NOT NULL,
  updated_by  TEXT NOT NULL DEFAULT ''
);
--bun:split
ALTER TABLE reports ADD COLUMN plan TEXT NOT NULL DEFAULT '';
--bun:split
CREATE TABLE report_pending (
  employee_id TEXT NOT NULL,
  report_id   TEXT NOT NULL,
  PRIMARY KEY (employee_id, report_id)
);
--bun:split
CREATE INDEX report_pending_report ON report_pending (report_id);
--bun:split
-- 我已审批: the reports one person approved or rejected a step of.
CREATE INDEX report_history_actor ON report_history (actor_id, action, report_id);
--bun:split
-- Reports under review keep their one approver as a one-step plan.
UPDATE reports SET plan = json_object(
  'auto_approve_repeated', json('false'),
  'steps', json_array(json_object(
    'step', 1, 'name', '主管审批', 'mode', 'any', 'role', '', 'state', 'current',
    'approvers', json_array(json_object(
      'id', approver_id,
      'name', COALESCE((SELECT e.name FROM employees e WHERE e.id = reports.approver_id), ''),
      'decision', 'pending', 'reason', '')))))
WHERE status = 'submitted' AND approver_id <> '';
--bun:split
INSERT INTO report_pending (employee_id, report_id)
SELECT approver_id, id FROM reports WHERE status = 'submitted' AND approver_id <> '';
