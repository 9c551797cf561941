/*
 * approve.js: /h5/approve, the approver's page: reports waiting for me
 * (待我审批, with batch approve) and those I decided (我已审批,
 * searchable); one report with its chain, invoices, warnings and
 * originals (#report/<id>); approve with an optional comment, reject with
 * a required reason, transfer the step to another approver.
 */
(function () {
  'use strict';
  const t = BX.t;
  const el = BX.el;
  const $ = function (id) { return document.getElementById(id); };

  const listView = $('list-view');
  const view = $('report-view');
  const state = { items: [], cursor: null, seq: 0, scope: 'to_approve', selected: {} };

  async function load(reset) {
    const seq = ++state.seq;
    const list = $('to-approve');
    if (reset) {
      state.items = [];
      state.cursor = null;
      BX.clear(list).append(el('li', { class: 'state' }, t('loading')));
    }
    let q = '/api/v1/reports?scope=' + state.scope + '&limit=20';
    const search = $('search').value.trim();
    if (state.scope === 'decided' && search) q += '&q=' + encodeURIComponent(search);
    if (state.cursor) q += '&cursor=' + encodeURIComponent(state.cursor);
    let page;
    try {
      page = await BX.api('GET', q);
    } catch (e) {
      if (seq === state.seq) BX.clear(list).append(el('li', null, BX.errorBox(e, function () { load(true); })));
      return;
    }
    if (seq !== state.seq) return;
    state.items = state.items.concat(page.items);
    state.cursor = page.next_cursor;
    BX.clear(list);
    if (state.items.length === 0) list.append(el('li', { class: 'state empty' }, t(state.scope === 'decided' ? 'no_decided' : 'no_to_approve')));
    state.items.forEach(function (r) {
      const box = state.scope === 'to_approve' ? el('input', { type: 'checkbox', class: 'pick', dataset: { reportId: r.id } }) : null;
      if (box) {
        box.checked = !!state.selected[r.id];
        box.addEventListener('change', function () {
          if (box.checked) state.selected[r.id] = true; else delete state.selected[r.id];
          batchButton();
        });
      }
      list.append(el('li', { class: 'card-wrap' }, box,
        el('a', { class: 'card report', href: '#report/' + encodeURIComponent(r.id), dataset: { reportId: r.id } },
          el('div', { class: 'row' }, el('span', { class: 'title' }, r.employee.name + ' · ' + r.title),
            el('span', { class: 'amount' }, BX.money(r.total))),
          el('div', { class: 'meta' }, [r.number, t('invoices_n', r.invoice_count), BX.when(r.submitted_at)].filter(Boolean).join(' · ')),
          el('div', { class: 'badges' }, BX.reportStatus(r.status), warnings(r)))));
    });
    $('more').hidden = !state.cursor;
    batchButton();
  }

  function batchButton() {
    const n = Object.keys(state.selected).length;
    const b = $('batch-approve');
    b.hidden = state.scope !== 'to_approve' || n === 0;
    b.textContent = t('batch_approve', n);
  }

  async function approveSelected() {
    const ids = Object.keys(state.selected);
    const b = $('batch-approve');
    b.disabled = true;
    BX.clear($('batch-result'));
    try {
      const res = await BX.api('POST', '/api/v1/reports/approve', { ids: ids });
      state.selected = {};
      BX.toast(t('batch_done', res.approved.length, res.failed.length), res.failed.length ? 'warn' : 'ok');
      res.failed.forEach(function (f) {
        $('batch-result').append(el('div', { class: 'error', dataset: { reportId: f.id } }, f.id + ': ' + BX.errorText(f.error)));
      });
    } catch (e) {
      $('batch-result').append(BX.errorBox(e));
    } finally {
      b.disabled = false;
    }
    load(true);
  }

  function setScope(scope) {
    state.scope = scope;
    state.selected = {};
    $('tab-to-approve').classList.toggle('active', scope === 'to_approve');
    $('tab-decided').classList.toggle('active', scope === 'decided');
    $('search').hidden = scope !== 'decided';
    load(true);
  }

  // warnings summarises the invoice warnings of a report for the list.
  function warnings(r) {
    const out = [];
    const any = function (f) { return (r.invoices || []).some(f); };
    if (any(function (i) { return i.amounts_consistent === false; })) out.push(BX.badge(t('warn_amounts'), 'warn'));
    if (any(function (i) { return i.title_matches_company === false; })) out.push(BX.badge(t('warn_title'), 'warn'));
    if (any(function (i) { return i.needs_review; })) out.push(BX.badge(t('warn_review'), 'warn'));
    if ((r.needs_attention || []).length) out.push(BX.badge(t('needs_attention'), 'warn'));
    return out;
  }

  async function open(id) {
    BX.clear(view).append(el('a', { href: '#', class: 'back' }, t('back')), el('p', { class: 'state' }, t('loading')));
    try {
      render(await BX.api('GET', '/api/v1/reports/' + encodeURIComponent(id)));
    } catch (e) {
      BX.clear(view).append(el('a', { href: '#', class: 'back' }, t('back')), BX.errorBox(e, function () { open(id); }));
    }
  }

  let pollTimer = 0;

  function render(r) {
    const errBox = el('div', { id: 'decide-error' });
    const comment = el('textarea', { id: 'comment', rows: '2', maxlength: '500', placeholder: t('comment') });
    const reason = el('textarea', { id: 'reason', rows: '2', maxlength: '500', placeholder: t('reason') });
    const buttons = [];
    function decide(kind) {
      return async function () {
        BX.clear(errBox);
        let body = {};
        if (kind === 'reject') {
          if (!reason.value.trim()) {
            errBox.append(el('div', { class: 'error', role: 'alert' }, t('reason_required')));
            reason.focus();
            return;
          }
          body = { reason: reason.value.trim() };
        } else if (comment.value.trim()) {
          body = { comment: comment.value.trim() };
        }
        buttons.forEach(function (b) { b.disabled = true; });
        try {
          await BX.api('POST', '/api/v1/reports/' + encodeURIComponent(r.id) + '/' + kind, body);
          BX.toast(t(kind === 'approve' ? 'approved_ok' : 'rejected_ok'), 'ok');
          location.hash = '';
        } catch (e) {
          buttons.forEach(function (b) { b.disabled = false; });
          errBox.append(BX.errorBox(e));
        }
      };
    }
    const approveBtn = el('button', { type: 'button', class: 'primary', id: 'approve', onclick: decide('approve') }, t('approve'));
    const rejectBtn = el('button', { type: 'button', class: 'danger', id: 'reject', onclick: decide('reject') }, t('reject'));
    // The new approver is picked by name (neither I nor the owner can take
    // the step); the server still checks they may approve it.
    const transferTo = BX.personPicker({ id: 'transfer', exclude: [state.me.id, r.employee.id], label: t('transfer_to') });
    transferTo.addEventListener('change', function () { BX.clear(errBox); });
    const transferBtn = el('button', { type: 'button', id: 'transfer', onclick: async function () {
      BX.clear(errBox);
      const to = transferTo.value;
      if (!to) {
        errBox.append(el('div', { class: 'error', role: 'alert' }, t('transfer_choose')));
        transferTo.querySelector('input').focus();
        return;
      }
      buttons.forEach(function (b) { b.disabled = true; });
      try {
        await BX.api('POST', '/api/v1/reports/' + encodeURIComponent(r.id) + '/transfer', { approver_id: to });
        BX.toast(t('transferred_ok'), 'ok');
        location.hash = '';
      } catch (e) {
        buttons.forEach(function (b) { b.disabled = false; });
        errBox.append(BX.errorBox(e));
      }
    } }, t('transfer'));
    buttons.push(approveBtn, rejectBtn, transferBtn);
    // Only the current step's pending approvers decide.
    const open = r.status === 'submitted' && (r.plan || []).some(function (s) {
      return s.state === 'current' && s.approvers.some(function (a) { return a.id === state.me.id && a.decision === 'pending'; });
    });

    BX.fill(view,
      el('a', { href: '#', class: 'back' }, t('back')),
      el('div', { class: 'section-head' }, el('h2', null, r.title), BX.reportStatus(r.status)),
      BX.attention(r),
      el('dl', { class: 'facts' },
        el('dt', null, t('employee')), el('dd', null, r.employee.name),
        el('dt', null, t('number')), el('dd', null, r.number),
        el('dt', null, t('total')), el('dd', { class: 'amount', id: 'report-total' }, BX.money(r.total)),
        el('dt', null, t('submitted_at')), el('dd', null, BX.when(r.submitted_at)),
        el('dt', null, t('sync')), el('dd', { id: 'report-sync', dataset: { state: r.sync && r.sync.state } }, BX.syncText(r.sync))),
      el('h3', null, t('invoices'), ' (', r.invoices.length, ')'),
      el('ul', { class: 'cards', id: 'report-invoices' }, r.invoices.map(function (i) {
        return BX.invoiceCard(i, { showReport: false, details: true, report: r });
      })),
      BX.planList(r),
      open ? el('div', { class: 'decide' },
        errBox,
        el('div', { class: 'decide-row' }, comment, approveBtn),
        el('div', { class: 'decide-row' }, reason, rejectBtn),
        el('div', { class: 'decide-row' }, el('div', { class: 'field' }, el('span', { class: 'label' }, t('transfer_to')), transferTo), transferBtn)) : null,
      el('h3', null, t('history')),
      BX.historyList(r.history));
    view.dataset.reportId = r.id;
    // Until WeChat has the decision, look again (as the employee's page does).
    clearTimeout(pollTimer);
    if (r.sync && r.sync.state === 'pending') {
      pollTimer = setTimeout(async function () {
        if (location.hash !== '#report/' + encodeURIComponent(r.id)) return;
        try {
          render(await BX.api('GET', '/api/v1/reports/' + encodeURIComponent(r.id)));
        } catch (e) { /* the next action shows it */ }
      }, 3000);
    }
  }

  function route() {
    const m = /^#report\/(.+)$/.exec(location.hash);
    if (m) {
      listView.hidden = true;
      view.hidden = false;
      window.scrollTo(0, 0);
      open(decodeURIComponent(m[1]));
      return;
    }
    view.hidden = true;
    listView.hidden = false;
    load(true);
  }

  async function main() {
    try {
      state.me = (await BX.start('approve')).me;
    } catch (e) {
      if (!e.handled) BX.clear(listView).append(BX.errorBox(e, function () { location.reload(); }));
      return;
    }
    $('more').addEventListener('click', function () { load(false); });
    $('tab-to-approve').addEventListener('click', function () { setScope('to_approve'); });
    $('tab-decided').addEventListener('click', function () { setScope('decided'); });
    $('batch-approve').addEventListener('click', approveSelected);
    let timer = 0;
    $('search').addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { load(true); }, 250);
    });
    window.addEventListener('hashchange', route);
    // Notices link to /h5/approve?report=<id> (cards and template
    // messages carry a query, not a fragment): show that report.
    const linked = new URLSearchParams(location.search).get('report');
    if (linked && !location.hash) history.replaceState(null, '', location.pathname + '#report/' + encodeURIComponent(linked));
    route();
  }

  main();
})();
