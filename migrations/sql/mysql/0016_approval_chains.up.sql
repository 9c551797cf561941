-- Approval chains (issue 17, DECISIONS 32, 43): the policy document, each
-- report's plan (JSON, resolved at submit), and the current step's pending
-- approvers as rows, so 待我审批 is one indexed lookup.
CREATE TABLE approval_policies (
  id          INT NOT NULL PRIMARY KEY,
  version     BIGINT NOT NULL,
  document    MEDIUMTEXT NOT NULL,
  updated_at  DATETIME(6) NOT NULL,
  updated_by  VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT ''
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
--bun:split
ALTER TABLE reports ADD COLUMN plan MEDIUMTEXT NOT NULL DEFAULT '';
--bun:split
CREATE TABLE report_pending (
  employee_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  report_id   VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  PRIMARY KEY (employee_id, report_id),
  KEY report_pending_report (report_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
--bun:split
-- 我已审批: the reports one person approved or rejected a step of.
CREATE INDEX report_history_actor ON report_history (actor_id, action, report_id);
--bun:split
-- Reports under review keep their one approver as a one-step plan.
UPDATE reports SET plan = JSON_OBJECT(
  'auto_approve_repeated', false,
  'steps', JSON_ARRAY(JSON_OBJECT(
    'step', 1, 'name', '主管审批', 'mode', 'any', 'role', '', 'state', 'current',
    'approvers', JSON_ARRAY(JSON_OBJECT(
      'id', approver_id,
      'name', COALESCE((SELECT e.name FROM employees e WHERE e.id = reports.approver_id), ''),
      'decision', 'pending', 'reason', '')))))
WHERE status = 'submitted' AND approver_id <> '';
--bun:split
INSERT INTO report_pending (employee_id, report_id)
SELECT approver_id, id FROM reports WHERE status = 'submitted' AND approver_id <> '';
