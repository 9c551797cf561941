/*
 * finance.js: /h5/finance, finance's list of the invoices in approved
 * reports. Until the finance search endpoint exists it pages through
 * GET /api/v1/reports?scope=all&status=approved and filters the loaded
 * rows here; export waits for GET /api/v1/finance/export.
 */
(function () {
  'use strict';
  const t = BX.t;
  const el = BX.el;
  const $ = function (id) { return document.getElementById(id); };

  const state = { rows: [], reports: 0, cursor: null, loading: false };

  async function load() {
    if (state.loading) return;
    state.loading = true;
    $('more').disabled = true;
    let q = '/api/v1/reports?scope=all&status=approved&limit=50';
    if (state.cursor) q += '&cursor=' + encodeURIComponent(state.cursor);
    try {
      const page = await BX.api('GET', q);
      page.items.forEach(function (r) {
        state.reports++;
        r.invoices.forEach(function (i) { state.rows.push({ r: r, i: i }); });
      });
      state.cursor = page.next_cursor;
      render();
    } catch (e) {
      BX.clear($('table-wrap')).append(BX.errorBox(e, load));
    } finally {
      state.loading = false;
      $('more').disabled = false;
    }
  }

  function filters() {
    return {
      q: $('f-q').value.trim().toLowerCase(),
      from: $('f-from').value,
      to: $('f-to').value,
      status: $('f-status').value,
      min: $('f-min').value.trim() ? BX.cents($('f-min').value) : null,
      max: $('f-max').value.trim() ? BX.cents($('f-max').value) : null,
    };
  }

  function matches(row, f) {
    const i = row.i;
    const r = row.r;
    if (f.q) {
      const hay = [i.invoice_number, i.invoice_code, i.seller_name, i.seller_tax_number, r.employee.name, r.number, r.title]
        .join('\n').toLowerCase();
      if (hay.indexOf(f.q) < 0) return false;
    }
    if (f.from && (!i.issued_on || i.issued_on < f.from)) return false;
    if (f.to && (!i.issued_on || i.issued_on > f.to)) return false;
    if (f.status && BX.wechatStatus(i.wechat_status) !== f.status) return false;
    const c = BX.cents(i.amount);
    if (f.min !== null && c < f.min) return false;
    if (f.max !== null && c > f.max) return false;
    return true;
  }

  function render() {
    const f = filters();
    const rows = state.rows.filter(function (row) { return matches(row, f); });
    $('summary').textContent = t('rows_n', rows.length, BX.money(BX.sum(rows.map(function (x) { return x.i.amount; }))));
    $('loaded').textContent = t('loaded_reports', state.reports);
    $('more').hidden = !state.cursor;
    const wrap = BX.clear($('table-wrap'));
    if (rows.length === 0) {
      wrap.append(el('p', { class: 'state empty' }, t('no_rows')));
      return;
    }
    const cols = ['col_report', 'col_employee', 'col_approved', 'col_number', 'col_seller', 'col_issued', 'col_amount', 'col_tax', 'col_status'];
    wrap.append(el('table', { class: 'grid', id: 'finance-table' },
      el('thead', null, el('tr', null, cols.map(function (c) {
        return el('th', { class: c === 'col_amount' || c === 'col_tax' ? 'num' : '' }, t(c));
      }))),
      el('tbody', null, rows.map(function (row) {
        const i = row.i;
        const r = row.r;
        const cells = [r.number, r.employee.name, BX.when(r.decided_at).slice(0, 10), (i.invoice_code ? i.invoice_code + ' ' : '') + i.invoice_number,
          i.seller_name, i.issued_on || '', BX.money(i.amount), BX.money(i.tax), BX.wechatLabel(i.wechat_status)];
        return el('tr', { dataset: { invoiceId: i.id } }, cells.map(function (v, k) {
          return el('td', { 'data-label': t(cols[k]), class: k === 6 || k === 7 ? 'num' : '' }, v);
        }));
      }))));
  }

  async function main() {
    try {
      await BX.start('finance');
    } catch (e) {
      if (e.code !== 'auth.required') BX.clear($('table-wrap')).append(BX.errorBox(e, function () { location.reload(); }));
      return;
    }
    $('filters').addEventListener('input', render);
    $('filters').addEventListener('submit', function (ev) { ev.preventDefault(); render(); });
    $('filters').addEventListener('reset', function () { setTimeout(render, 0); });
    $('more').addEventListener('click', load);
    load();
  }

  main();
})();
