/*
 * admin.js: /h5/admin, the administrator's page: the employee directory
 * (GET/POST /api/v1/admin/employees, PATCH …/{id} with its version, the
 * WeCom sync button) and the company's buyer entities
 * (GET/PUT /api/v1/admin/company).
 */
(function () {
  'use strict';
  const el = BX.el;
  const $ = function (id) { return document.getElementById(id); };
  // L picks the page's own text by language; common.js holds the shared ones.
  const L = function (zh, en) { return BX.zh ? zh : en; };
  const ROLES = ['employee', 'approver', 'finance', 'cashier', 'admin'];
  const ROLE_NAMES = { employee: L('员工', 'Employee'), approver: L('审批人', 'Approver'), finance: L('财务', 'Finance'), cashier: L('出纳', 'Cashier'), admin: L('管理员', 'Admin') };

  const state = { items: [], cursor: null, loading: false, company: null };

  async function load(reset) {
    if (state.loading) return;
    state.loading = true;
    if (reset) {
      state.items = [];
      state.cursor = null;
    }
    let q = '/api/v1/admin/employees?limit=100';
    if (state.cursor) q += '&cursor=' + encodeURIComponent(state.cursor);
    try {
      const page = await BX.api('GET', q);
      state.items = state.items.concat(page.items);
      state.cursor = page.next_cursor;
      renderEmployees();
    } catch (e) {
      BX.fill($('employee-table'), BX.errorBox(e, function () { load(reset); }));
    } finally {
      state.loading = false;
    }
  }

  function identityText(e) {
    return e.identities.map(function (i) { return i.channel + ':' + (i.channel === 'work' ? i.userid : i.openid); }).join(' ');
  }

  // managerText names the approver when the table lists them.
  function managerText(id) {
    if (!id) return '';
    const m = state.items.find(function (x) { return x.id === id; });
    return m ? m.name + '（' + id + '）' : id;
  }

  function renderEmployees() {
    $('more').hidden = !state.cursor;
    const cols = [L('工号', 'ID'), L('姓名', 'Name'), L('部门', 'Department'), L('角色', 'Roles'), L('审批人', 'Approver'), L('状态', 'Status'), L('微信身份', 'WeChat')];
    BX.fill($('employee-table'), el('table', { class: 'grid', id: 'employees-grid' },
      el('thead', null, el('tr', null, cols.map(function (c) { return el('th', null, c); }))),
      el('tbody', null, state.items.map(function (e) {
        const cells = [e.id, e.name, e.department, e.roles.map(function (r) { return ROLE_NAMES[r] || r; }).join('、'),
          managerText(e.manager_id), e.active ? L('在职', 'Active') : L('已停用', 'Deactivated'), identityText(e)];
        return el('tr', { dataset: { id: e.id }, class: e.active ? '' : 'muted', onclick: function () { edit(e); } },
          cells.map(function (v, k) { return el('td', { 'data-label': cols[k] }, v); }));
      }))));
  }

  function field(label, input) {
    return el('label', null, el('span', { class: 'label' }, label), input);
  }

  // edit shows the form for e, or for a new employee when e is null.
  function edit(e) {
    const form = $('employee-form');
    const isNew = !e;
    e = e || { id: '', name: '', department: '', roles: ['employee'], manager_id: null, active: true, identities: [] };
    const inputs = {
      id: el('input', { name: 'id', value: e.id, required: true, disabled: !isNew, pattern: '[a-z0-9][a-z0-9._\\-]{0,63}' }),
      name: el('input', { name: 'name', value: e.name, required: true }),
      department: el('input', { name: 'department', value: e.department }),
      // The approver is picked by name from the directory; never oneself.
      manager: BX.personPicker({ id: 'manager', value: e.manager_id, exclude: [e.id], label: L('审批人', 'Approver'),
        none: L('未指定（按审批流程）', 'None (the approval policy decides)') }),
      active: el('input', { type: 'checkbox', name: 'active', checked: e.active }),
    };
    // Each box with its label beside it, the boxes on one line.
    const roleBoxes = ROLES.map(function (r) {
      return el('label', { class: 'check', dataset: { role: r } },
        el('input', { type: 'checkbox', name: 'role', value: r, checked: e.roles.indexOf(r) >= 0, disabled: r === 'employee' }), ROLE_NAMES[r]);
    });
    const error = el('div');
    BX.fill(form,
      el('h3', null, isNew ? L('新增员工', 'New employee') : L('编辑 ', 'Edit ') + e.id),
      field(L('工号', 'ID'), inputs.id), field(L('姓名', 'Name'), inputs.name), field(L('部门', 'Department'), inputs.department),
      el('fieldset', { class: 'roles', id: 'employee-roles' }, el('legend', { class: 'label' }, L('角色', 'Roles')), roleBoxes),
      el('div', { class: 'field' }, el('span', { class: 'label' }, L('审批人', 'Approver')), inputs.manager),
      el('label', { class: 'check' }, inputs.active, L('在职（停用后不能登录，历史保留）', 'Active (deactivated: no sign-in, history kept)')),
      e.identities.length ? el('p', { class: 'muted small' }, L('微信身份：', 'WeChat: ') + identityText(e)) : null,
      error,
      el('div', { class: 'actions' },
        el('button', { type: 'submit', class: 'primary', id: 'employee-save' }, BX.t('save')),
        el('button', { type: 'button', onclick: function () { form.hidden = true; } }, BX.t('cancel')),
        isNew ? null : signOutButton(e, error)),
      isNew ? null : bankAccountEditor(e));
    form.hidden = false;
    form.onsubmit = async function (ev) {
      ev.preventDefault();
      const body = {
        name: inputs.name.value.trim(), department: inputs.department.value.trim(),
        roles: roleBoxes.map(function (l) { return l.firstChild; }).filter(function (b) { return b.checked; }).map(function (b) { return b.value; }),
        manager_id: inputs.manager.value || null, active: inputs.active.checked,
      };
      try {
        if (isNew) {
          body.id = inputs.id.value.trim();
          await BX.api('POST', '/api/v1/admin/employees', body);
        } else {
          body.version = e.version;
          await BX.api('PATCH', '/api/v1/admin/employees/' + encodeURIComponent(e.id), body);
        }
        form.hidden = true;
        BX.toast(L('已保存', 'Saved'), 'ok');
        load(true);
      } catch (err) {
        BX.fill(error, BX.errorBox(err));
        if (err.code === 'conflict.version') load(true);
      }
    };
    form.scrollIntoView({ block: 'nearest' });
  }

  // signOutButton ends every session of e, on every device, at their
  // next request (POST …/{id}/sign-out); a role change or a deactivation
  // does the same by itself. It asks once more, like the delete buttons
  // (no confirm() dialog).
  function signOutButton(e, error) {
    const b = el('button', { type: 'button', class: 'danger', id: 'employee-sign-out' }, L('在所有设备上退出登录', 'Sign out everywhere'));
    b.addEventListener('click', async function () {
      if (!b.classList.contains('confirm')) {
        b.classList.add('confirm');
        b.textContent = L('确定让 ' + e.name + ' 在所有设备上退出？', 'Sign ' + e.name + ' out on every device?');
        return;
      }
      b.disabled = true;
      BX.clear(error);
      try {
        const r = await BX.api('POST', '/api/v1/admin/employees/' + encodeURIComponent(e.id) + '/sign-out', {});
        BX.toast(L('已结束 ' + r.sessions_ended + ' 个会话', r.sessions_ended + ' sessions ended'), 'ok');
      } catch (err) {
        BX.fill(error, BX.errorBox(err));
      }
      b.disabled = false;
      b.classList.remove('confirm');
      b.textContent = L('在所有设备上退出登录', 'Sign out everywhere');
    });
    return b;
  }

  async function syncWork() {
    const btn = $('sync-work');
    btn.disabled = true;
    try {
      const r = await BX.api('POST', '/api/v1/admin/employees/sync-work', {});
      const list = function (ids) { return ids.length ? ids.join('、') : '—'; };
      BX.fill($('sync-result'), el('div', { class: 'notice', id: 'sync-summary' },
        el('div', null, L('新增：', 'Created: ') + list(r.created)),
        el('div', null, L('更新：', 'Updated: ') + list(r.updated)),
        el('div', null, L('停用：', 'Deactivated: ') + list(r.deactivated)),
        el('div', null, L('未变：', 'Unchanged: ') + r.unchanged),
        r.skipped.map(function (s) { return el('div', { class: 'error small' }, s.userid + '：' + s.reason); }),
        r.missing.length ? el('div', { class: 'muted' }, L('企业微信中已不存在（未改动）：', 'No longer in WeCom (left as they are): ') + list(r.missing)) : null));
      load(true);
    } catch (e) {
      BX.fill($('sync-result'), BX.errorBox(e));
    } finally {
      btn.disabled = false;
    }
  }

  async function loadCompany() {
    try {
      state.company = await BX.api('GET', '/api/v1/admin/company');
      renderCompany(state.company.buyers);
    } catch (e) {
      BX.fill($('company-form'), BX.errorBox(e, loadCompany));
    }
  }

  function buyerRow(b) {
    const row = el('div', { class: 'buyer row' },
      el('input', { name: 'title', value: b.title, required: true, placeholder: L('抬头', 'Title') }),
      el('input', { name: 'tax_number', value: b.tax_number, required: true, placeholder: L('税号', 'Tax number'), pattern: '[0-9A-Za-z]{15,20}' }));
    row.append(el('button', { type: 'button', class: 'link', onclick: function () { row.remove(); } }, BX.t('delete')));
    return row;
  }

  function renderCompany(buyers) {
    $('company-note').textContent = L('导入发票时，购买方与这里任一抬头和税号一致即视为本公司发票。',
      'An imported invoice matches the company when its buyer is one of these titles and tax numbers.');
    const rows = el('div', { id: 'buyers' }, buyers.map(buyerRow));
    const error = el('div');
    const form = BX.fill($('company-form'), rows, error,
      el('div', { class: 'actions' },
        el('button', { type: 'button', onclick: function () { rows.append(buyerRow({ title: '', tax_number: '' })); } }, L('添加抬头', 'Add a title')),
        el('button', { type: 'submit', class: 'primary', id: 'company-save' }, BX.t('save'))));
    form.onsubmit = async function (ev) {
      ev.preventDefault();
      const list = Array.prototype.map.call(rows.querySelectorAll('.buyer'), function (r) {
        return { title: r.querySelector('[name=title]').value.trim(), tax_number: r.querySelector('[name=tax_number]').value.trim() };
      });
      try {
        state.company = await BX.api('PUT', '/api/v1/admin/company', { version: state.company.version, buyers: list });
        renderCompany(state.company.buyers);
        BX.toast(L('已保存', 'Saved'), 'ok');
      } catch (e) {
        BX.fill(error, BX.errorBox(e));
        if (e.code === 'conflict.version') loadCompany();
      }
    };
  }

  async function main() {
    document.title = L('管理', 'Admin');
    $('employees-title').textContent = L('员工', 'Employees');
    $('company-title').textContent = L('购买方（发票抬头）', 'Buyer entities (invoice titles)');
    $('new-employee').textContent = L('新增员工', 'New employee');
    $('sync-work').textContent = L('从企业微信同步', 'Sync from WeCom');
    try {
      await BX.start('admin');
    } catch (e) {
      if (!e.handled) BX.fill($('employee-table'), BX.errorBox(e, function () { location.reload(); }));
      return;
    }
    $('new-employee').addEventListener('click', function () { edit(null); });
    $('sync-work').addEventListener('click', syncWork);
    $('more').addEventListener('click', function () { load(false); });
    load(true);
    loadCompany();
    loadExpenseTypes();
    initPolicy();
    initNotices();
  }

  // ---- issue 17: an employee's bank account, the expense types --------

  // bankAccountEditor sets e's bank account (PUT …/{id}/bank-account); the
  // number is shown masked and never filled back in.
  function bankAccountEditor(e) {
    const box = el('div', { class: 'bank', id: 'employee-bank' });
    const inputs = {
      bank: el('input', { id: 'emp-bank', maxlength: '100' }), branch: el('input', { id: 'emp-branch', maxlength: '100' }),
      account_number: el('input', { id: 'emp-account', maxlength: '40', autocomplete: 'off' }), account_name: el('input', { id: 'emp-account-name', maxlength: '100' }),
    };
    const current = el('p', { class: 'muted small' });
    const error = el('div');
    const url = '/api/v1/admin/employees/' + encodeURIComponent(e.id) + '/bank-account';
    const show = function (a) {
      current.textContent = a ? [a.bank + (a.branch || ''), a.account_number, a.account_name].join(' · ') : BX.t('bank_account_none');
      if (a) { inputs.bank.value = a.bank; inputs.branch.value = a.branch; inputs.account_name.value = a.account_name; }
    };
    BX.api('GET', url).then(function (r) { show(r.bank_account); }, function (err) { BX.fill(error, BX.errorBox(err)); });
    const save = el('button', { type: 'button', id: 'emp-bank-save' }, BX.t('save'));
    save.addEventListener('click', async function () {
      BX.clear(error);
      try {
        const body = {};
        for (const k in inputs) body[k] = inputs[k].value.trim();
        show((await BX.api('PUT', url, body)).bank_account);
        inputs.account_number.value = '';
        BX.toast(L('已保存', 'Saved'), 'ok');
      } catch (err) {
        BX.fill(error, BX.errorBox(err));
      }
    });
    box.append(el('h4', null, BX.t('bank_account')), current,
      field(BX.t('bank'), inputs.bank), field(BX.t('branch'), inputs.branch),
      field(BX.t('account_number'), inputs.account_number), field(BX.t('account_name'), inputs.account_name), error, save);
    return box;
  }

  // loadExpenseTypes shows the expense type editor: the whole list is
  // saved at once (PUT /api/v1/admin/expense-types).
  async function loadExpenseTypes() {
    const form = BX.clear($('expense-types-form'));
    let list;
    try {
      list = await BX.api('GET', '/api/v1/admin/expense-types');
    } catch (err) {
      form.append(BX.errorBox(err, loadExpenseTypes));
      return;
    }
    const body = el('tbody');
    const row = function (x) {
      return el('tr', { class: 'expense-type-row' },
        el('td', null, el('input', { class: 'et-code', value: x.code, maxlength: '32', required: true, pattern: '[a-z0-9][a-z0-9_.\\-]{0,31}' })),
        el('td', null, el('input', { class: 'et-name', value: x.name, maxlength: '50', required: true })),
        el('td', null, el('input', { type: 'checkbox', class: 'et-active', checked: x.active })));
    };
    list.forEach(function (x) { body.append(row(x)); });
    const error = el('div');
    BX.fill(form,
      el('table', { class: 'grid', id: 'expense-types-table' },
        el('thead', null, el('tr', null, el('th', null, BX.t('et_code')), el('th', null, BX.t('et_name')), el('th', null, BX.t('et_active')))), body),
      error,
      el('div', { class: 'actions' },
        el('button', { type: 'button', id: 'et-add', onclick: function () { body.append(row({ code: '', name: '', active: true })); } }, BX.t('et_add')),
        el('button', { type: 'submit', class: 'primary', id: 'et-save' }, BX.t('save'))));
    form.onsubmit = async function (ev) {
      ev.preventDefault();
      const items = Array.from(body.querySelectorAll('tr')).map(function (tr) {
        return { code: tr.querySelector('.et-code').value.trim(), name: tr.querySelector('.et-name').value.trim(), active: tr.querySelector('.et-active').checked };
      }).filter(function (x) { return x.code || x.name; });
      try {
        await BX.api('PUT', '/api/v1/admin/expense-types', items);
        BX.toast(L('已保存', 'Saved'), 'ok');
        loadExpenseTypes();
      } catch (err) {
        BX.fill(error, BX.errorBox(err));
      }
    };
  }

  // The approval policy (README "Approval chains"): a form of steps —
  // who approves, mode, conditions, what an empty step does — kept in step
  // with its JSON document, which stays editable for what the form does
  // not show; saved with the version read.
  const KINDS = [['manager', L('上级主管', 'Manager')], ['dept_head', L('部门负责人', 'Department head')],
    ['role', L('角色', 'Role')], ['users', L('指定人员', 'Named employees')]];
  const STEP_ROLES = ['approver', 'finance', 'cashier', 'admin'];
  const policy = { version: 0 };

  function options(select, pairs, value) {
    pairs.forEach(function (p) { select.append(el('option', { value: p[0] }, p[1])); });
    select.value = value;
    return select;
  }

  function field(label, input, cls) {
    return el('label', { class: cls || null }, label, input);
  }

  function splitList(v) {
    return v.split(/[,，\s]+/).map(function (x) { return x.trim(); }).filter(Boolean);
  }

  // stepRow edits one step; the step's own object rides along, so fields
  // the form does not show survive the round trip.
  function stepRow(s) {
    const row = el('fieldset', { class: 'policy-step edit' });
    row.step = s;
    const kind = options(el('select', { name: 'approvers' }), KINDS, s.approvers || 'manager');
    const level = el('input', { name: 'level', type: 'number', min: '1', max: '10', value: String(s.level || 1) });
    const role = options(el('select', { name: 'role' }), STEP_ROLES.map(function (r) { return [r, ROLE_NAMES[r]]; }), s.role || 'finance');
    // Named employees are picked by name; the step keeps their IDs.
    const users = BX.personPicker({ multiple: true, value: s.users || [], label: L('指定人员', 'Named employees') });
    users.classList.add('policy-users');
    row.users = users;
    const levelField = field(L('第几级主管', 'Manager level'), level);
    const roleField = field(L('角色', 'Role'), role);
    const usersField = el('div', { class: 'field' }, el('span', { class: 'label' }, L('人员', 'Employees')), users);
    function shown() {
      levelField.hidden = kind.value !== 'manager';
      roleField.hidden = kind.value !== 'role';
      usersField.hidden = kind.value !== 'users';
    }
    kind.addEventListener('change', shown);
    shown();
    row.append(
      el('legend', null, ''),
      field(L('名称', 'Name'), el('input', { name: 'name', value: s.name || '', required: true, maxlength: '50' })),
      field(L('审批人', 'Approvers'), kind), levelField, roleField, usersField,
      field(L('方式', 'Mode'), options(el('select', { name: 'mode' }), [['any', L('或签（一人同意即可）', 'Any one')], ['all', L('会签（全部同意）', 'All')]], s.mode || 'any')),
      field(L('金额高于（元，可空）', 'Only above this amount (yuan, optional)'), el('input', { name: 'amount_above', inputmode: 'decimal', value: s.amount_above || '', placeholder: '5000.00' })),
      field(L('仅限部门（逗号分隔，可空）', 'Only these departments (comma-separated, optional)'), el('input', { name: 'departments', value: (s.departments || []).join(', ') })),
      field(L('无人可审批时', 'When nobody is found'), options(el('select', { name: 'if_empty' }), [['skip', L('跳过此步', 'Skip the step')], ['refuse', L('拒绝提交', 'Refuse the submit')]], s.if_empty || 'skip')),
      el('div', { class: 'actions' },
        el('button', { type: 'button', class: 'link step-up', onclick: function () {
          if (row.previousElementSibling) row.parentNode.insertBefore(row, row.previousElementSibling);
          policyChanged();
        } }, L('上移', 'Move up')),
        el('button', { type: 'button', class: 'link step-remove', onclick: function () { row.remove(); policyChanged(); } }, BX.t('delete'))));
    return row;
  }

  // readStep is the step's JSON as the API takes and answers it.
  function readStep(row) {
    const v = function (name) { return row.querySelector('[name=' + name + ']').value.trim(); };
    const s = Object.assign({}, row.step, { name: v('name'), approvers: v('approvers'), mode: v('mode'), if_empty: v('if_empty') });
    delete s.level;
    delete s.role;
    delete s.users;
    delete s.departments;
    if (s.approvers === 'manager') s.level = Number(v('level'));
    if (s.approvers === 'role') s.role = v('role');
    if (s.approvers === 'users') s.users = row.users.values;
    s.amount_above = v('amount_above') || null;
    const depts = splitList(v('departments'));
    if (depts.length) s.departments = depts;
    return s;
  }

  function policyDoc() {
    const rows = $('policy-form').querySelectorAll('.policy-step');
    return { auto_approve_repeated: $('policy-auto').checked, steps: Array.prototype.map.call(rows, readStep) };
  }

  // policyChanged numbers the steps and writes the form into the JSON.
  function policyChanged() {
    $('policy-form').querySelectorAll('.policy-step').forEach(function (row, i) {
      row.dataset.step = String(i + 1);
      row.querySelector('legend').textContent = BX.t('plan_step', i + 1);
    });
    $('policy-doc').value = JSON.stringify(policyDoc(), null, 2);
  }

  function renderPolicy(doc) {
    const steps = el('div', { id: 'policy-steps' }, (doc.steps || []).map(stepRow));
    BX.fill($('policy-form'), steps,
      el('label', { class: 'check' }, el('input', { type: 'checkbox', id: 'policy-auto', checked: !!doc.auto_approve_repeated }),
        ' ' + L('已审批过的人在后续步骤自动通过', 'Approve a later step for someone who already approved an earlier one')),
      el('div', { class: 'actions' },
        el('button', { type: 'button', id: 'policy-add', onclick: function () {
          steps.append(stepRow({ name: L('审批', 'Approval'), approvers: 'role', role: 'finance', mode: 'any', if_empty: 'skip', amount_above: null }));
          policyChanged();
        } }, L('添加一步', 'Add a step'))));
    policyChanged();
  }

  // initPolicy labels the section and wires it once; loadPolicy may run
  // again (retry) without doubling the handlers.
  function initPolicy() {
    $('policy-title').textContent = L('审批流程', 'Approval policy');
    $('policy-help').textContent = L('按顺序逐步审批；提交人不会审批自己的报销单。金额条件为“高于”，部门条件为报销人所在部门。',
      'Steps run in order; nobody approves their own report. The amount condition is strictly above; the department is the owner\'s.');
    $('policy-json-title').textContent = L('JSON（高级）', 'JSON (advanced)');
    $('policy-apply').textContent = L('用 JSON 更新表单', 'Apply the JSON to the form');
    $('policy-save').textContent = L('保存审批流程', 'Save policy');
    $('policy-form').addEventListener('input', policyChanged);
    $('policy-form').addEventListener('change', policyChanged);
    $('policy-form').addEventListener('submit', function (ev) { ev.preventDefault(); });
    $('policy-apply').onclick = function () {
      BX.clear($('policy-error'));
      try {
        renderPolicy(JSON.parse($('policy-doc').value));
      } catch (e) {
        BX.fill($('policy-error'), el('div', { class: 'error', role: 'alert' }, L('不是有效的 JSON：', 'Not valid JSON: ') + e.message));
      }
    };
    $('policy-save').onclick = savePolicy;
    loadPolicy();
  }

  async function loadPolicy() {
    BX.clear($('policy-error'));
    try {
      const p = await BX.api('GET', '/api/v1/admin/approval-policy');
      policy.version = p.version;
      renderPolicy(p);
      $('policy-form').dataset.version = String(p.version);
    } catch (e) {
      BX.fill($('policy-error'), BX.errorBox(e, loadPolicy));
    }
  }

  async function savePolicy() {
    BX.clear($('policy-error'));
    const doc = policyDoc();
    doc.version = policy.version;
    const btn = $('policy-save');
    btn.disabled = true;
    try {
      const p = await BX.api('PUT', '/api/v1/admin/approval-policy', doc);
      policy.version = p.version;
      renderPolicy(p);
      $('policy-form').dataset.version = String(p.version);
      BX.toast(L('审批流程已保存', 'Policy saved'), 'ok');
    } catch (e) {
      BX.fill($('policy-error'), BX.errorBox(e));
    } finally {
      btn.disabled = false;
    }
  }

  // ---- issue 17: notices that failed, and their requeue (DECISIONS 46) --

  const EVENT_NAMES = {
    step_pending: L('待审批', 'Approval needed'), rejected: L('已驳回', 'Rejected'), approved: L('已审批通过', 'Approved'),
    paid: L('已付款', 'Paid'), withdrawn: L('已撤回', 'Withdrawn'), transferred: L('已转交', 'Transferred'),
    step_closed: L('卡片更新', 'Card update'), invoice_cancelled: L('发票红冲', 'Invoice cancelled'),
  };

  function initNotices() {
    $('notices-title').textContent = L('投递失败的通知', 'Notices that failed');
    $('notices-help').textContent = L('重试多次仍未送达的通知（收件人在应用内通知中仍能看到）。修好原因后可重新投递。',
      'Notices that could not be delivered after retries (recipients still see them in their in-app inbox). Requeue one once the cause is fixed.');
    $('notices-reload').textContent = L('刷新', 'Reload');
    $('notices-reload').onclick = loadFailedNotices;
    loadFailedNotices();
  }

  async function loadFailedNotices() {
    try {
      const page = await BX.api('GET', '/api/v1/admin/notices?state=failed&limit=100');
      renderFailedNotices(page.items);
    } catch (e) {
      BX.fill($('notices-table'), BX.errorBox(e, loadFailedNotices));
    }
  }

  function renderFailedNotices(items) {
    if (!items.length) {
      BX.fill($('notices-table'), el('p', { class: 'state empty', id: 'notices-empty' }, L('没有投递失败的通知', 'No failed notices')));
      return;
    }
    const cols = [L('时间', 'Time'), L('事件', 'Event'), L('收件人', 'Recipient'), L('报销单', 'Report'), L('渠道', 'Channel'), L('错误', 'Error'), ''];
    BX.fill($('notices-table'), el('table', { class: 'grid', id: 'notices-grid' },
      el('thead', null, el('tr', null, cols.map(function (c) { return el('th', null, c); }))),
      el('tbody', null, items.map(function (n) {
        const error = el('div');
        const btn = el('button', { type: 'button', class: 'requeue', dataset: { id: String(n.id) } }, L('重新投递', 'Requeue'));
        btn.addEventListener('click', async function () {
          btn.disabled = true;
          try {
            await BX.api('POST', '/api/v1/admin/notices/' + n.id + '/retry');
            BX.toast(L('已重新排队投递', 'Queued again'), 'ok');
            loadFailedNotices();
          } catch (e) {
            btn.disabled = false;
            BX.fill(error, BX.errorBox(e));
          }
        });
        const cells = [BX.when(n.created_at), EVENT_NAMES[n.event] || n.event, n.recipient_id, n.report_id, n.channel || '—',
          (n.errcode ? n.errcode + ' ' : '') + (n.last_error || '')];
        return el('tr', { dataset: { id: String(n.id), event: n.event } },
          cells.map(function (v, k) { return el('td', { 'data-label': cols[k] }, v); }),
          el('td', null, btn, error));
      }))));
  }

  main();
})();
