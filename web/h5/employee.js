/*
 * employee.js: /h5/, the employee's page: my invoices (import from the
 * wallet, select, new report), my reports, and one report (#report/<id>):
 * submit, withdraw, edit and resubmit, delete.
 */
(function () {
  'use strict';
  const t = BX.t;
  const el = BX.el;
  const $ = function (id) { return document.getElementById(id); };

  const home = $('home');
  const view = $('report-view');
  let cfg = null;
  const inv = { status: '', items: [], cursor: null, seq: 0 };
  const rep = { items: [], cursor: null, seq: 0, byId: {} };
  const selected = new Map(); // invoice id → invoice
  let pollTimer = 0;

  function selectable(i) {
    if (i.report_id || i.cancelled) return false;
    // A file invoice has no WeChat status (DECISIONS 34).
    return i.wechat_status == null || BX.wechatStatus(i.wechat_status) === 'INIT';
  }

  // ---- invoices -------------------------------------------------------

  async function loadInvoices(reset) {
    const seq = ++inv.seq;
    const list = $('invoices');
    if (reset) {
      inv.items = [];
      inv.cursor = null;
      BX.clear(list).append(el('li', { class: 'state' }, t('loading')));
    }
    let q = '/api/v1/invoices?limit=50';
    if (inv.status) q += '&status=' + inv.status;
    if (inv.cursor) q += '&cursor=' + encodeURIComponent(inv.cursor);
    let page;
    try {
      page = await BX.api('GET', q);
    } catch (e) {
      if (seq === inv.seq) BX.clear(list).append(el('li', null, BX.errorBox(e, function () { loadInvoices(true); })));
      return;
    }
    if (seq !== inv.seq) return; // a newer load (tab switch) won
    inv.items = inv.items.concat(page.items);
    inv.cursor = page.next_cursor;
    renderInvoices();
  }

  function renderInvoices() {
    const list = BX.clear($('invoices'));
    if (inv.items.length === 0) {
      list.append(el('li', { class: 'state empty' }, t(inv.status ? 'no_invoices_filter' : 'no_invoices')));
    }
    inv.items.forEach(function (i) {
      let box = null;
      if (selectable(i)) {
        box = el('input', {
          type: 'checkbox', class: 'pick', 'aria-label': i.invoice_number, checked: selected.has(i.id),
          dataset: { invoiceId: i.id },
          onchange: function (ev) {
            if (ev.target.checked) selected.set(i.id, i);
            else selected.delete(i.id);
            updateSelbar();
          },
        });
      }
      const card = BX.invoiceCard(i, { checkbox: box, report: i.report_id ? rep.byId[i.report_id] : null });
      if (i.needs_review && i.wechat_status == null && !i.report_id) card.append(completeButton(i));
      list.append(card);
    });
    $('inv-more').hidden = !inv.cursor;
    updateSelbar();
  }

  function updateSelbar() {
    const bar = $('selbar');
    bar.hidden = selected.size === 0;
    const amounts = Array.from(selected.values()).map(function (i) { return i.amount; });
    $('sel-summary').textContent = t('selected', selected.size, BX.money(BX.sum(amounts)));
    if (selected.size === 0) $('new-report-form').hidden = true;
  }

  async function doImport() {
    const btn = $('import');
    const out = BX.clear($('import-result'));
    btn.disabled = true;
    out.append(el('div', { class: 'notice' }, t('importing')));
    try {
      const r = await BaoxiaoJSAPI.chooseAndImport();
      showImport(r);
      loadInvoices(true);
    } catch (e) {
      BX.clear(out);
      if (e.code === 'auth') return location.assign(BX.loginURL());
      if (e.code === 'cancelled') out.append(el('div', { class: 'notice' }, e.message));
      else out.append(BX.errorBox(e));
      if (e.partial && (e.partial.imported.length || e.partial.failed.length)) showImport(e.partial, true);
    } finally {
      btn.disabled = false;
    }
  }

  // completeButton opens a form for what a file did not give (PATCH
  // /api/v1/invoices/{id}); the original stays attached.
  function completeButton(i) {
    const wrap = el('div', { class: 'complete' });
    const btn = el('button', { type: 'button', class: 'link complete-open', onclick: function () {
      btn.hidden = true;
      wrap.append(completeForm(i));
    } }, t('complete_invoice'));
    wrap.append(btn);
    return wrap;
  }

  function completeForm(i) {
    const fields = [
      ['invoice_code', 'f_code', i.invoice_code, 'text'], ['invoice_number', 'f_number', i.invoice_number, 'text'],
      ['issued_on', 'f_issued_on', i.issued_on || '', 'date'], ['amount', 'f_amount', i.amount !== '0.00' ? i.amount : '', 'text'],
      ['amount_without_tax', 'f_without_tax', i.amount_without_tax !== '0.00' ? i.amount_without_tax : '', 'text'],
      ['tax', 'f_tax', i.tax, 'text'], ['seller_name', 'f_seller', i.seller_name, 'text'],
    ];
    const err = el('div', { class: 'error small' });
    const form = el('form', { class: 'complete-form', dataset: { invoiceId: i.id } },
      fields.map(function (f) {
        return el('label', null, t(f[1]), el('input', { name: f[0], type: f[3], value: f[2] || '', inputmode: f[3] === 'text' && f[0] !== 'seller_name' ? 'decimal' : null }));
      }),
      el('button', { type: 'submit', class: 'primary' }, t('save')), err);
    form.addEventListener('submit', async function (ev) {
      ev.preventDefault();
      const body = {};
      fields.forEach(function (f) {
        const v = form.elements[f[0]].value.trim();
        if (v !== (f[2] || '')) body[f[0]] = v;
      });
      BX.clear(err);
      try {
        await BX.api('PATCH', '/api/v1/invoices/' + encodeURIComponent(i.id), body);
        loadInvoices(true);
      } catch (e) {
        err.append(BX.errorBox(e));
      }
    });
    return form;
  }

  // ---- upload (DECISIONS 38) -------------------------------------------

  async function doUpload(files) {
    if (!files || files.length === 0) return;
    const out = BX.clear($('import-result'));
    out.append(el('div', { class: 'notice' }, t('uploading')));
    const form = new FormData();
    Array.from(files).forEach(function (f) { form.append('files', f, f.name); });
    try {
      showUpload(await BX.api('POST', '/api/v1/invoices/upload', form));
      loadInvoices(true);
    } catch (e) {
      BX.clear(out).append(BX.errorBox(e));
    } finally {
      $('upload-files').value = '';
    }
  }

  function uploadLine(f, failure) {
    const parts = [f.file, t('out_' + f.outcome)];
    if (f.needs_review && f.needs_review.length) parts.push(t('needs_fields', f.needs_review.join('、')));
    if (failure) {
      const d = failure.error.details || {};
      parts.push(BX.errorText(failure.error));
      if (d.imported_by) parts.push(t('dup_by', d.imported_by));
      if (d.report_number) parts.push(t('dup_in', d.report_number));
    }
    return el('li', { class: 'upload-' + f.outcome, dataset: { outcome: f.outcome, code: failure ? failure.error.code : '' } }, parts.join(' · '));
  }

  function showUpload(r) {
    const out = BX.clear($('import-result'));
    const failures = {};
    r.failed.forEach(function (f) { failures[f.file] = f; });
    const box = el('div', { class: 'import-summary', id: 'upload-summary' },
      el('ul', { class: 'plain' }, r.files.map(function (f) { return uploadLine(f, failures[f.file]); })),
      el('button', { type: 'button', class: 'link', onclick: function () { BX.clear(out); } }, '×'));
    out.append(box);
  }

  // failureText is one failed import in the page's words: what, who
  // holds a duplicate and in which report; the server's text and the code
  // folded away.
  function failureText(e) {
    const d = e.details || {};
    const parts = [BX.errorText(e)];
    if (d.imported_by) parts.push(t('dup_by', d.imported_by));
    if (d.report_number) parts.push(t('dup_in', d.report_number));
    const detail = BX.errorDetail(e);
    return [el('span', { class: 'error-text' }, parts.join(' · ')),
      detail ? el('details', { class: 'error-detail' }, el('summary', null, t('err_details')), el('span', null, detail)) : null];
  }

  function showImport(r, keep) {
    const out = $('import-result');
    if (!keep) BX.clear(out);
    const box = el('div', { class: 'import-summary', id: 'import-summary' });
    if (r.imported.length) {
      box.append(el('div', { class: 'ok' }, t('imported_n', r.imported.length)),
        el('ul', { class: 'plain' }, r.imported.map(function (i) {
          return el('li', { class: 'imported', dataset: { invoiceId: i.id } },
            (i.seller_name || BX.kind(i.kind)) + ' · ' + BX.money(i.amount));
        })));
    }
    if (r.failed.length) {
      box.append(el('div', { class: 'error' }, t('failed_n', r.failed.length)),
        el('ul', { class: 'plain' }, r.failed.map(function (f) {
          return el('li', { class: 'failed', dataset: { code: f.error && f.error.code } }, failureText(f.error || {}));
        })));
    }
    box.append(el('button', { type: 'button', class: 'link', onclick: function () { BX.clear(out); } }, '×'));
    out.append(box);
  }

  async function createReport(ev) {
    ev.preventDefault();
    const err = BX.clear($('selbar-error'));
    const btn = $('create-report');
    const title = $('report-title').value.trim();
    btn.disabled = true;
    try {
      const r = await BX.api('POST', '/api/v1/reports', { title: title, invoice_ids: Array.from(selected.keys()) });
      selected.clear();
      updateSelbar();
      BX.toast(t('created'), 'ok');
      location.hash = '#report/' + encodeURIComponent(r.id);
    } catch (e) {
      err.append(BX.errorBox(e));
    } finally {
      btn.disabled = false;
    }
  }

  // ---- reports --------------------------------------------------------

  async function loadReports(reset) {
    const seq = ++rep.seq;
    const list = $('reports');
    if (reset) {
      rep.items = [];
      rep.cursor = null;
      BX.clear(list).append(el('li', { class: 'state' }, t('loading')));
    }
    let q = '/api/v1/reports?scope=mine&limit=20';
    if (rep.cursor) q += '&cursor=' + encodeURIComponent(rep.cursor);
    let page;
    try {
      page = await BX.api('GET', q);
    } catch (e) {
      if (seq === rep.seq) BX.clear(list).append(el('li', null, BX.errorBox(e, function () { loadReports(true); })));
      return;
    }
    if (seq !== rep.seq) return;
    rep.items = rep.items.concat(page.items);
    rep.cursor = page.next_cursor;
    rep.byId = {};
    rep.items.forEach(function (r) { rep.byId[r.id] = r; });
    // The invoices show their reports' pending sync ("解锁中…").
    if (inv.items.length) renderInvoices();
    watchSync();
    BX.clear(list);
    if (rep.items.length === 0) list.append(el('li', { class: 'state empty' }, t('no_reports')));
    rep.items.forEach(function (r) { list.append(reportCard(r, '#report/')); });
    $('rep-more').hidden = !rep.cursor;
  }

  // watchSync looks again while a listed report's change is on its way
  // to WeChat, so its invoices stop saying "解锁中…" once WeChat has it.
  let syncTimer = 0;
  function watchSync() {
    clearTimeout(syncTimer);
    if (!rep.items.some(function (r) { return r.sync && r.sync.state === 'pending'; })) return;
    syncTimer = setTimeout(function () {
      if (home.hidden) return;
      loadReports(true);
      loadInvoices(true);
    }, 3000);
  }

  function reportCard(r, prefix) {
    return el('li', { class: 'card-wrap' },
      el('a', { class: 'card report', href: prefix + encodeURIComponent(r.id), dataset: { reportId: r.id, status: r.status } },
        el('div', { class: 'row' }, el('span', { class: 'title' }, r.title), el('span', { class: 'amount' }, BX.money(r.total))),
        el('div', { class: 'meta' }, [r.number, t('invoices_n', r.invoice_count), BX.syncText(r.sync)].join(' · ')),
        el('div', { class: 'badges' }, BX.reportStatus(r.status),
          (r.needs_attention || []).length ? BX.badge(t('needs_attention'), 'warn') : null)));
  }

  // ---- one report -----------------------------------------------------

  async function openReport(id) {
    clearTimeout(pollTimer);
    BX.clear(view).append(el('a', { href: '#', class: 'back' }, t('back')), el('p', { class: 'state' }, t('loading')));
    try {
      renderReport(await BX.api('GET', '/api/v1/reports/' + encodeURIComponent(id)));
    } catch (e) {
      BX.clear(view).append(el('a', { href: '#', class: 'back' }, t('back')), BX.errorBox(e, function () { openReport(id); }));
    }
  }

  // WeChat errcodes that refuse one invoice (wechat-protocol.md §6), for
  // refusals that carry no error code of ours.
  const REFUSALS = { 72023: 'invoice.locked_elsewhere', 72060: 'invoice.cancelled', 72061: 'invoice.already_reimbursed' };

  // refusedText explains one item of report.submit_refused's details:
  // {invoice_id, code, errcode}. code is an error code ("invoice.…") or
  // the invoice's own code and number; errcode is WeChat's. The page's
  // text shows; the codes ride in data-code and the tooltip.
  function refusedText(x) {
    const isErrorCode = /^[a-z_]+\.[a-z_.]+$/.test(String(x.code || ''));
    const code = isErrorCode ? x.code : REFUSALS[x.errcode] || '';
    const label = code && t('err_' + code) !== 'err_' + code ? t('err_' + code) : t('err_report.submit_refused');
    const raw = [code, x.errcode ? 'errcode ' + x.errcode : ''].filter(Boolean).join(' · ');
    return el('span', { class: 'refusal', dataset: { code: code }, title: raw || null }, label);
  }

  function renderReport(r, problem) {
    const refused = {};
    if (problem && problem.code === 'report.submit_refused') {
      (problem.details.invoices || []).forEach(function (x) { refused[x.invoice_id] = refusedText(x); });
    }
    const editable = r.status === 'draft' || r.status === 'rejected' || r.status === 'withdrawn';
    const errBox = el('div', { id: 'report-error' });
    if (problem) {
      errBox.append(problem.code === 'report.submit_refused'
        ? el('div', { class: 'error', role: 'alert', dataset: { code: problem.code } }, el('span', { class: 'error-text' }, t('submit_refused')),
          el('details', { class: 'error-detail' }, el('summary', null, t('err_details')), el('span', null, BX.errorDetail(problem))))
        : BX.errorBox(problem));
    }
    const actions = el('div', { class: 'actions', id: 'report-actions' });
    const run = action(r, errBox, actions);
    if (r.status === 'draft') actions.append(run('submit', 'primary', submit));
    if (r.status === 'rejected' || r.status === 'withdrawn') actions.append(run('resubmit', 'primary', submit));
    if (r.status === 'submitted') actions.append(run('withdraw', '', withdraw));
    // An invoice its issuer cancelled may leave a submitted report (DECISIONS 49).
    const cancelled = (r.invoices || []).filter(function (inv) { return inv.wechat_status === 'CANCEL'; });
    if (r.status === 'submitted' && cancelled.length && cancelled.length < (r.invoices || []).length) {
      actions.append(run('remove_cancelled', '', removeCancelled));
    }
    if (editable) {
      actions.append(el('button', { type: 'button', id: 'edit', onclick: function () { showEdit(r); } }, t('edit')));
      actions.append(deleteButton(r, errBox));
    }
    const latestComment = (r.history || []).filter(function (h) { return h.action === 'reject' && h.comment; }).pop();

    BX.fill(view,
      el('a', { href: '#', class: 'back' }, t('back')),
      el('div', { class: 'section-head' }, el('h2', { id: 'report-title-h' }, r.title), BX.reportStatus(r.status)),
      r.status === 'rejected' && latestComment ? el('div', { class: 'notice warn' }, t('st_rejected') + (BX.zh ? '：' : ': ') + latestComment.comment) : null,
      BX.attention(r),
      el('dl', { class: 'facts' },
        el('dt', null, t('number')), el('dd', null, r.number),
        el('dt', null, t('approver')), el('dd', null, r.approver && r.approver.name),
        el('dt', null, t('total')), el('dd', { class: 'amount', id: 'report-total' }, BX.money(r.total)),
        el('dt', null, t('sync')), el('dd', { id: 'report-sync', dataset: { state: r.sync && r.sync.state } }, BX.syncText(r.sync)),
        r.submitted_at ? [el('dt', null, t('submitted_at')), el('dd', null, BX.when(r.submitted_at))] : null,
        r.purpose ? [el('dt', null, t('purpose')), el('dd', { id: 'report-purpose' }, r.purpose)] : null,
        r.payment ? [el('dt', null, t('paid_on')), el('dd', { id: 'report-paid-on' }, r.payment.paid_on)] : null),
      errBox, actions,
      el('div', { id: 'edit-panel' }),
      el('h3', null, t('invoices'), ' (', r.invoices.length, ')'),
      el('ul', { class: 'cards', id: 'report-invoices' }, r.invoices.map(function (i) {
        const card = BX.invoiceCard(i, { showReport: false, error: refused[i.id], report: r });
        card.append(el('div', { class: 'small muted expense-type', dataset: { code: i.expense_type || '' } },
          t('expense_type') + (BX.zh ? '：' : ': ') + (i.expense_type ? typeName(i.expense_type) : t('expense_type_none'))));
        return card;
      })),
      BX.planList(r),
      el('h3', null, t('history')),
      BX.historyList(r.history));
    view.dataset.reportId = r.id;
    view.dataset.status = r.status;
    if (r.sync && r.sync.state === 'pending') {
      pollTimer = setTimeout(function () {
        if (location.hash === '#report/' + encodeURIComponent(r.id)) openReportQuiet(r.id);
      }, 3000);
    }
  }

  async function openReportQuiet(id) {
    try {
      renderReport(await BX.api('GET', '/api/v1/reports/' + encodeURIComponent(id)));
    } catch (e) {
      /* the next user action shows the error */
    }
  }

  // action makes a button that runs fn(r), then shows the new report or
  // the error (refused submits name the invoices).
  function action(r, errBox, actions) {
    return function (label, cls, fn) {
      return el('button', {
        type: 'button', class: cls, id: 'act-' + label,
        onclick: async function () {
          actions.querySelectorAll('button').forEach(function (b) { b.disabled = true; });
          BX.clear(errBox);
          try {
            const next = await fn(r);
            if (next) renderReport(next);
          } catch (e) {
            let fresh = r;
            try {
              fresh = await BX.api('GET', '/api/v1/reports/' + encodeURIComponent(r.id));
            } catch (e2) { /* keep what we have */ }
            renderReport(fresh, e);
          }
        },
      }, t(label));
    };
  }

  async function submit(r) {
    const next = await BX.api('POST', '/api/v1/reports/' + encodeURIComponent(r.id) + '/submit', {});
    BX.toast(t('submitted_ok'), 'ok');
    return next;
  }

  async function removeCancelled(r) {
    const keep = r.invoices.filter(function (inv) { return inv.wechat_status !== 'CANCEL'; }).map(function (inv) { return inv.id; });
    const next = await BX.api('PATCH', '/api/v1/reports/' + encodeURIComponent(r.id), { version: r.version, invoice_ids: keep });
    BX.toast(t('removed_cancelled_ok'), 'ok');
    return next;
  }

  async function withdraw(r) {
    const next = await BX.api('POST', '/api/v1/reports/' + encodeURIComponent(r.id) + '/withdraw', {});
    BX.toast(t('withdrawn_ok'), 'ok');
    return next;
  }

  // deleteButton asks once more before deleting: no confirm() dialog,
  // which WeChat shows with the page's domain as its title.
  function deleteButton(r, errBox) {
    const b = el('button', { type: 'button', class: 'danger', id: 'act-delete' }, t('delete'));
    b.addEventListener('click', async function () {
      if (!b.classList.contains('confirm')) {
        b.classList.add('confirm');
        b.textContent = t('confirm_delete');
        return;
      }
      b.disabled = true;
      try {
        await BX.api('DELETE', '/api/v1/reports/' + encodeURIComponent(r.id));
        BX.toast(t('deleted_ok'), 'ok');
        location.hash = '';
      } catch (e) {
        b.disabled = false;
        BX.clear(errBox).append(BX.errorBox(e));
      }
    });
    return b;
  }

  // showEdit lets the owner change the title and the invoices: those in
  // the report plus their available ones.
  async function showEdit(r) {
    const panel = BX.clear($('edit-panel'));
    panel.append(el('p', { class: 'state' }, t('loading')));
    let available = [];
    try {
      available = (await BX.api('GET', '/api/v1/invoices?status=available&limit=100')).items;
    } catch (e) {
      BX.clear(panel).append(BX.errorBox(e));
      return;
    }
    const chosen = new Set(r.invoices.map(function (i) { return i.id; }));
    const all = r.invoices.concat(available.filter(function (i) { return !chosen.has(i.id) && selectable(i); }));
    const title = el('input', { id: 'edit-title', maxlength: '100', required: true, value: r.title });
    const purpose = el('textarea', { id: 'edit-purpose', maxlength: '500', rows: '2' });
    purpose.value = r.purpose || '';
    // Each invoice already in the report gets its expense type select;
    // new ones get the obvious type on save and can be set after.
    const typeSelects = r.invoices.map(function (i) {
      const sel = el('select', { class: 'expense-select', dataset: { invoiceId: i.id } },
        el('option', { value: '' }, t('expense_type_none')),
        expenseTypes.map(function (x) { return el('option', { value: x.code, selected: x.code === i.expense_type }, x.name); }));
      return el('label', null, (i.seller_name || i.invoice_number) + ' ' + BX.money(i.amount), sel);
    });
    const err = el('div');
    const form = el('form', { class: 'edit', id: 'edit-form' },
      el('label', null, t('report_title'), title),
      el('label', null, t('purpose'), purpose),
      typeSelects.length ? el('div', { class: 'label' }, t('expense_type')) : null,
      typeSelects,
      el('div', { class: 'label' }, t('edit_invoices')),
      el('ul', { class: 'cards' }, all.map(function (i) {
        const box = el('input', {
          type: 'checkbox', class: 'pick', checked: chosen.has(i.id), dataset: { invoiceId: i.id },
          onchange: function (ev) {
            if (ev.target.checked) chosen.add(i.id);
            else chosen.delete(i.id);
          },
        });
        return BX.invoiceCard(i, { checkbox: box, showReport: false });
      })),
      err,
      el('div', { class: 'actions' },
        el('button', { type: 'submit', class: 'primary', id: 'edit-save' }, t('save')),
        el('button', { type: 'button', onclick: function () { BX.clear(panel); } }, t('cancel'))));
    form.addEventListener('submit', async function (ev) {
      ev.preventDefault();
      BX.clear(err);
      try {
        const types = {};
        form.querySelectorAll('select.expense-select').forEach(function (s) {
          if (chosen.has(s.dataset.invoiceId)) types[s.dataset.invoiceId] = s.value;
        });
        const next = await BX.api('PATCH', '/api/v1/reports/' + encodeURIComponent(r.id), {
          version: r.version, title: title.value.trim(), invoice_ids: Array.from(chosen),
          purpose: purpose.value, expense_types: types,
        });
        BX.toast(t('saved_ok'), 'ok');
        renderReport(next);
      } catch (e) {
        err.append(BX.errorBox(e, e.code === 'conflict.version' ? function () { openReport(r.id); } : null));
      }
    });
    BX.clear(panel).append(form);
  }

  // ---- wiring ---------------------------------------------------------

  // today is the local date, YYYY-MM-DD (toISOString would give UTC's).
  function today() {
    const d = new Date();
    const two = function (n) { return String(n).padStart(2, '0'); };
    return d.getFullYear() + '-' + two(d.getMonth() + 1) + '-' + two(d.getDate());
  }

  function route() {
    const m = /^#report\/(.+)$/.exec(location.hash);
    clearTimeout(pollTimer);
    if (m) {
      home.hidden = true;
      view.hidden = false;
      window.scrollTo(0, 0);
      openReport(decodeURIComponent(m[1]));
      return;
    }
    view.hidden = true;
    home.hidden = false;
    loadInvoices(true);
    loadReports(true);
  }

  // ---- expense types and the bank account (issue 17) ----------------

  let expenseTypes = [];
  function typeName(code) {
    const x = expenseTypes.find(function (x) { return x.code === code; });
    return x ? x.name : code;
  }

  async function loadBank() {
    try {
      const a = (await BX.api('GET', '/api/v1/me/bank-account')).bank_account;
      $('bank-current').textContent = a ? [a.bank + (a.branch || ''), a.account_number, a.account_name].join(' · ') : t('bank_account_none');
      if (a) {
        $('bank-bank').value = a.bank;
        $('bank-branch').value = a.branch;
        $('bank-name').value = a.account_name;
      }
    } catch (e) {
      $('bank-current').textContent = BX.errorText(e);
    }
  }

  async function saveBank(ev) {
    ev.preventDefault();
    const err = BX.clear($('bank-error'));
    try {
      await BX.api('PUT', '/api/v1/me/bank-account', {
        bank: $('bank-bank').value.trim(), branch: $('bank-branch').value.trim(),
        account_number: $('bank-number').value, account_name: $('bank-name').value.trim(),
      });
      $('bank-number').value = '';
      BX.toast(t('saved_ok'), 'ok');
      loadBank();
    } catch (e) {
      err.append(BX.errorBox(e));
    }
  }

  async function main() {
    let me;
    try {
      const st = await BX.start('mine');
      cfg = st.cfg;
      me = st.me;
    } catch (e) {
      if (!e.handled) BX.clear(home).append(BX.errorBox(e, function () { location.reload(); }));
      return;
    }
    // Configure the JS-SDK early so the first tap opens the picker at
    // once; a failure here shows when the user taps "import".
    BaoxiaoJSAPI.init({ config: cfg }).catch(function () {});
    // The employee's own mailbox address (DECISIONS 48), when there is a mailbox.
    if (me.intake_address) {
      $('intake-address').textContent = me.intake_address;
      $('intake-mail').hidden = false;
    }
    // On a computer the wallet is on the phone: offer the QR import there.
    $('pc-import-link').hidden = /MicroMessenger|wxwork/i.test(navigator.userAgent);
    $('import').addEventListener('click', doImport);
    $('upload-files').addEventListener('change', function (ev) { doUpload(ev.target.files); });
    const drop = $('dropzone');
    drop.addEventListener('dragover', function (ev) { ev.preventDefault(); drop.classList.add('over'); });
    drop.addEventListener('dragleave', function () { drop.classList.remove('over'); });
    drop.addEventListener('drop', function (ev) {
      ev.preventDefault();
      drop.classList.remove('over');
      doUpload(ev.dataTransfer.files);
    });
    $('inv-more').addEventListener('click', function () { loadInvoices(false); });
    $('rep-more').addEventListener('click', function () { loadReports(false); });
    $('inv-tabs').addEventListener('click', function (ev) {
      const b = ev.target.closest('button');
      if (!b) return;
      this.querySelectorAll('button').forEach(function (x) { x.classList.toggle('active', x === b); });
      inv.status = b.dataset.status;
      loadInvoices(true);
    });
    $('new-report').addEventListener('click', function () {
      const f = $('new-report-form');
      f.hidden = !f.hidden;
      if (!$('report-title').value) $('report-title').value = t('report_title_default', today());
      if (!f.hidden) $('report-title').focus();
    });
    $('selbar').addEventListener('submit', createReport);
    $('bank-form').addEventListener('submit', saveBank);
    try {
      expenseTypes = await BX.api('GET', '/api/v1/expense-types');
    } catch (e) { /* shown as codes */ }
    loadBank();
    window.addEventListener('hashchange', route);
    // Notices link to /h5/?report=<id> (a query survives the WeChat
    // sign-in, a fragment does not): show that report.
    const linked = new URLSearchParams(location.search).get('report');
    if (linked && !location.hash) history.replaceState(null, '', location.pathname + '#report/' + encodeURIComponent(linked));
    route();
  }

  main();
})();
