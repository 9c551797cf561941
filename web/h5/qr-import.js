/*
 * qr-import.js: /h5/qr-import?t=TOKEN, the page a PC's import QR code
 * opens on the phone. It binds the session to the signed-in user, lets
 * them pick invoices from the card wallet and imports them through the
 * session, so they show on the PC.
 */
(function () {
  'use strict';
  const el = BX.el;
  const t = QRX.t;
  const $ = function (id) { return document.getElementById(id); };
  const token = new URLSearchParams(location.search).get('t') || '';

  function fail(e) {
    BX.fill($('qr-error'), QRX.errorBox(e));
  }

  async function pick() {
    const b = $('qr-pick');
    b.disabled = true;
    BX.clear($('qr-error'));
    try {
      const items = await BaoxiaoJSAPI.chooseInvoice();
      const r = await BX.api('POST', '/api/v1/qr-imports/import', { token: token, choose_invoice_info: items });
      const failed = r.failed || [];
      BX.fill($('qr-result'), el('div', { class: 'import-summary', id: 'qr-summary', dataset: { imported: String((r.imported || []).length) } },
        el('div', { class: 'ok' }, t('phone_done', (r.imported || []).length)),
        failed.length ? el('div', null, t('phone_failed', failed.length)) : null,
        failed.length ? el('ul', { class: 'plain' }, failed.map(function (f) {
          return el('li', { class: 'failed' }, BaoxiaoJSAPI.describeFailure(f));
        })) : null,
        el('ul', { class: 'cards' }, (r.imported || []).map(function (inv) { return BX.invoiceCard(inv); }))));
      b.hidden = true; // the session is used up
    } catch (e) {
      b.disabled = false;
      if (e.code === 'cancelled') return;
      if (e.apiError) e = new BX.ApiError(e.status || 0, e.apiError.code, e.apiError.message, e.apiError.details);
      fail(e);
      if (e.code === 'qr.used' || e.code === 'qr.expired') b.hidden = true;
    }
  }

  async function main() {
    $('qr-title').textContent = t('title');
    document.title = t('title') + ' · baoxiao';
    $('qr-intro').textContent = t('phone_intro');
    $('qr-pick').textContent = t('pick');
    $('qr-pick').addEventListener('click', pick);
    try {
      await BX.start('');
    } catch (e) {
      if (e.status !== 401) fail(e);
      return;
    }
    if (!token) {
      BX.fill($('qr-error'), el('div', { class: 'error', role: 'alert' }, t('no_token')));
      return;
    }
    try {
      await BX.api('POST', '/api/v1/qr-imports/open', { token: token });
    } catch (e) {
      fail(e);
      return;
    }
    $('qr-intro').textContent = t('phone_ready');
    $('qr-pick').hidden = false;
  }

  main();
})();
