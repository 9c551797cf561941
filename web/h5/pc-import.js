/*
 * pc-import.js: /h5/pc-import. Opens a QR import session, shows its QR
 * and polls it; the invoices the phone imports appear as they come.
 */
(function () {
  'use strict';
  const el = BX.el;
  const t = QRX.t;
  const $ = function (id) { return document.getElementById(id); };
  const POLL_MS = 1000;

  let session = null;
  let timer = 0;

  function left(expiresAt) {
    const s = Math.max(0, Math.round((Date.parse(expiresAt) - Date.now()) / 1000));
    return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
  }

  function render(s) {
    const st = $('qr-state');
    st.dataset.state = s.state;
    const who = s.employee ? s.employee.name : '';
    const n = (s.invoices || []).length;
    st.textContent = {
      pending: t('st_pending', left(s.expires_at)),
      claimed: t('st_claimed', who),
      importing: t('st_importing'),
      done: t('st_done', n),
      expired: t('st_expired'),
    }[s.state] || s.state;
    const img = $('qr-img');
    if (img) img.classList.toggle('stale', s.state === 'done' || s.state === 'expired');
    $('qr-new').textContent = s.state === 'done' || s.state === 'expired' ? t('again') : t('new_qr');
    $('qr-new').hidden = !(s.state === 'done' || s.state === 'expired');
    BX.fill($('qr-invoices'), (s.invoices || []).map(function (inv) { return BX.invoiceCard(inv); }));
  }

  async function poll() {
    clearTimeout(timer);
    if (!session) return;
    try {
      const s = await BX.api('GET', '/api/v1/qr-imports/' + encodeURIComponent(session.biz_code));
      BX.clear($('qr-error'));
      render(s);
      if (s.state === 'done' || s.state === 'expired') return;
    } catch (e) {
      BX.fill($('qr-error'), QRX.errorBox(e));
    }
    timer = setTimeout(poll, POLL_MS);
  }

  async function start() {
    clearTimeout(timer);
    const b = $('qr-new');
    b.disabled = true;
    BX.clear($('qr-error'));
    try {
      session = await BX.api('POST', '/api/v1/qr-imports', {});
      BX.fill($('qr-image'), el('img', { id: 'qr-img', alt: 'QR', src: 'data:image/png;base64,' + session.qr_png, dataset: { url: session.url, bizCode: session.biz_code } }));
      render(session);
      timer = setTimeout(poll, POLL_MS);
    } catch (e) {
      BX.fill($('qr-error'), QRX.errorBox(e, start));
    } finally {
      b.disabled = false;
    }
  }

  async function main() {
    $('qr-title').textContent = t('title');
    document.title = t('title') + ' · baoxiao';
    $('qr-intro').textContent = t('pc_intro');
    $('qr-new').textContent = t('new_qr');
    $('qr-new').addEventListener('click', start);
    try {
      await BX.start('');
    } catch (e) {
      if (e.status !== 401) BX.fill($('qr-error'), QRX.errorBox(e));
      return;
    }
    start();
  }

  main();
})();
