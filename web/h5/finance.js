/*
 * finance.js: /h5/finance, finance's search over the invoices
 * (GET /api/v1/finance/invoices, keyset pages), their totals from
 * GET /api/v1/finance/invoices/totals with the same filters (DECISIONS
 * 20: never summed here), and CSV/XLSX export links to
 * GET /api/v1/finance/export, which lists approved reports by approval
 * date (DECISIONS 19), beside the archive of their originals
 * (GET /api/v1/finance/archive); each row links to its original.
 */
(function () {
  'use strict';
  const t = BX.t;
  const el = BX.el;
  const $ = function (id) { return document.getElementById(id); };

  const state = { rows: [], cursor: null, seq: 0, timer: 0 };

  // params are the filters as the API takes them; empty ones are left out.
  function params() {
    const p = new URLSearchParams();
    const add = function (k, v) { if (v) p.set(k, v); };
    add('q', $('f-q').value.trim());
    add('date_field', $('f-date-field').value);
    add('from', $('f-from').value);
    add('to', $('f-to').value);
    add('report_status', $('f-report-status').value);
    add('wechat_status', $('f-status').value);
    add('min_amount', $('f-min').value.trim());
    add('max_amount', $('f-max').value.trim());
    add('expense_type', $('f-expense-type').value);
    return p;
  }

  // exportLinks point at the export with the filters shown. The export
  // lists approved reports by approval date, so it is offered only when
  // the page shows exactly that, over a date range.
  function exportLinks(p) {
    const ok = p.get('date_field') === 'approved_on' && p.get('report_status') === 'approved' && p.get('from') && p.get('to');
    ['csv', 'xlsx'].forEach(function (format) {
      const a = $('export-' + format);
      if (!ok) {
        a.removeAttribute('href');
        a.setAttribute('aria-disabled', 'true');
        return;
      }
      const q = new URLSearchParams(p);
      q.set('format', format);
      a.href = '/api/v1/finance/export?' + q.toString();
      a.setAttribute('download', '');
      a.removeAttribute('aria-disabled');
    });
    $('export-note').textContent = ok ? t('export_by_approval') : t('export_needs_range');
    // The archive (originals of the approved reports) goes by approval
    // date too, whatever the status filter shows.
    const arch = $('archive-zip');
    if (p.get('date_field') === 'approved_on' && p.get('from') && p.get('to')) {
      arch.href = '/api/v1/finance/archive?' + new URLSearchParams({ from: p.get('from'), to: p.get('to') }).toString();
      arch.setAttribute('download', '');
      arch.title = t('archive_by_approval');
      arch.removeAttribute('aria-disabled');
    } else {
      arch.removeAttribute('href');
      arch.setAttribute('aria-disabled', 'true');
    }
  }

  // reload starts the search over: the first page and the totals. An
  // answer to an older search (the filters changed meanwhile) is dropped.
  async function reload() {
    clearTimeout(state.timer);
    const seq = ++state.seq;
    const p = params();
    exportLinks(p);
    state.rows = [];
    state.cursor = null;
    $('more').hidden = true;
    BX.fill($('table-wrap'), el('p', { class: 'state' }, t('loading')));
    try {
      const [page, totals] = await Promise.all([
        BX.api('GET', '/api/v1/finance/invoices?' + p.toString() + '&limit=50'),
        BX.api('GET', '/api/v1/finance/invoices/totals?' + p.toString()),
      ]);
      if (seq !== state.seq) return;
      const s = $('summary');
      s.dataset.count = String(totals.count);
      s.dataset.amount = totals.amount;
      s.textContent = t('totals_n', totals.count, BX.money(totals.amount), BX.money(totals.tax));
      state.rows = page.items;
      state.cursor = page.next_cursor;
      render();
    } catch (e) {
      if (seq !== state.seq) return;
      $('summary').textContent = '';
      BX.fill($('table-wrap'), BX.errorBox(e, reload));
    }
  }

  async function more() {
    const seq = state.seq;
    $('more').disabled = true;
    try {
      const p = params();
      p.set('limit', '50');
      p.set('cursor', state.cursor);
      const page = await BX.api('GET', '/api/v1/finance/invoices?' + p.toString());
      if (seq !== state.seq) return;
      state.rows = state.rows.concat(page.items);
      state.cursor = page.next_cursor;
      render();
    } catch (e) {
      BX.toast(BX.errorText(e), 'error');
    } finally {
      $('more').disabled = false;
    }
  }

  function render() {
    $('more').hidden = !state.cursor;
    const wrap = BX.clear($('table-wrap'));
    if (state.rows.length === 0) {
      wrap.append(el('p', { class: 'state empty' }, t('no_rows')));
      return;
    }
    const cols = ['col_report', 'col_employee', 'col_approved', 'col_number', 'col_seller', 'col_issued', 'col_amount', 'col_tax', 'col_status', 'col_original', 'expense_type', 'purpose', 'paid_on', 'col_source'];
    wrap.append(el('table', { class: 'grid', id: 'finance-table' },
      el('thead', null, el('tr', null, cols.map(function (c) {
        return el('th', { class: c === 'col_amount' || c === 'col_tax' ? 'num' : '' }, t(c));
      }))),
      el('tbody', null, state.rows.map(function (i) {
        const r = i.report || {};
        const cells = [r.number || '—', (i.employee || {}).name || '', BX.when(r.approved_at).slice(0, 10),
          (i.invoice_code ? i.invoice_code + ' ' : '') + i.invoice_number, i.seller_name, i.issued_on || '',
          BX.money(i.amount), BX.money(i.tax), BX.wechatLabel(i.wechat_status), BX.originalLink(i) || '—',
          i.expense_type ? i.expense_type.name : '', r.purpose || '', r.paid_on || '', t('src_' + (i.source || 'wallet'))];
        return el('tr', { dataset: { invoiceId: i.id } }, cells.map(function (v, k) {
          return el('td', { 'data-label': t(cols[k]), class: k === 6 || k === 7 ? 'num' : '' }, v);
        }));
      }))));
  }

  // soon reloads once typing pauses.
  function soon() {
    clearTimeout(state.timer);
    state.timer = setTimeout(reload, 300);
  }

  async function main() {
    let started;
    try {
      started = await BX.start('finance');
    } catch (e) {
      if (!e.handled) BX.clear($('table-wrap')).append(BX.errorBox(e, function () { location.reload(); }));
      return;
    }
    $('filters').addEventListener('input', soon);
    $('filters').addEventListener('change', soon);
    $('filters').addEventListener('submit', function (ev) { ev.preventDefault(); reload(); });
    $('filters').addEventListener('reset', function () { setTimeout(reload, 0); });
    $('more').addEventListener('click', more);
    const me = started.me;
    // A cashier only pays: the search is finance's (and admins').
    if (BX.hasRole(me, 'finance') || BX.hasRole(me, 'admin')) reload();
    else BX.clear($('table-wrap'));
    loadExpenseTypes();
    if (BX.hasRole(me, 'cashier') || BX.hasRole(me, 'finance')) startPayments();
  }

  async function loadExpenseTypes() {
    try {
      const types = await BX.api('GET', '/api/v1/expense-types');
      $('f-expense-type').append.apply($('f-expense-type'), types.map(function (x) { return el('option', { value: x.code }, x.name); }));
    } catch (e) { /* the filter stays empty */ }
  }

  // ---- payment (issue 17): approved reports, one payment for the chosen

  const picked = new Set();

  function startPayments() {
    $('pay').hidden = false;
    const d = new Date();
    $('pay-on').value = d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');
    $('pay-form').addEventListener('submit', function (ev) { ev.preventDefault(); pay(); });
    loadPayable();
  }

  async function loadPayable() {
    const list = BX.clear($('pay-list'));
    picked.clear();
    try {
      const page = await BX.api('GET', '/api/v1/reports?scope=all&status=approved&limit=100');
      if (!page.items.length) {
        list.append(el('p', { class: 'state empty' }, t('pay_none')));
        return;
      }
      list.append(el('table', { class: 'grid', id: 'pay-table' },
        el('thead', null, el('tr', null, el('th'), el('th', null, t('col_report')), el('th', null, t('col_employee')),
          el('th', null, t('purpose')), el('th', { class: 'num' }, t('col_amount')))),
        el('tbody', null, page.items.map(function (r) {
          const box = el('input', { type: 'checkbox', class: 'pick', dataset: { reportId: r.id }, onchange: function (ev) {
            if (ev.target.checked) picked.add(r.id); else picked.delete(r.id);
          } });
          return el('tr', { dataset: { reportId: r.id } }, el('td', null, box), el('td', null, r.number),
            el('td', null, r.employee && r.employee.name), el('td', null, r.purpose || r.title), el('td', { class: 'num' }, BX.money(r.total)));
        }))));
    } catch (e) {
      list.append(BX.errorBox(e, loadPayable));
    }
  }

  async function pay() {
    const out = BX.clear($('pay-result'));
    try {
      const p = await BX.api('POST', '/api/v1/payments', {
        report_ids: Array.from(picked), paid_on: $('pay-on').value, method: $('pay-method').value,
        reference: $('pay-reference').value.trim(), payer_account: $('pay-payer').value.trim(),
      });
      const file = '/api/v1/payments/' + encodeURIComponent(p.id) + '/bank-file?format=';
      out.append(el('div', { class: 'notice ok', id: 'pay-done', dataset: { paymentId: p.id } }, t('pay_done', p.id, BX.money(p.total)), ' ',
        el('a', { href: file + 'xlsx', download: '', id: 'bank-file-xlsx' }, t('bank_file_xlsx')), ' ',
        el('a', { href: file + 'csv', download: '', id: 'bank-file-csv' }, t('bank_file_csv'))));
      loadPayable();
      reload();
    } catch (e) {
      out.append(BX.errorBox(e));
    }
  }

  main();
})();
