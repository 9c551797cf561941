/*
 * qr-login.js: /h5/qr-login?t=TOKEN, the page a PC's sign-in QR code
 * opens on the phone (DECISIONS 4). Not signed in yet: the normal OAuth
 * of the app it was scanned in (the sandbox: its login page), back to
 * this page. Signed in: it tells the PC it was scanned and asks "sign in
 * on the computer as X?"; the confirm signs the PC in as this user.
 */
(function () {
  'use strict';
  const t = BX.t;
  const el = BX.el;
  const $ = function (id) { return document.getElementById(id); };
  const token = new URLSearchParams(location.search).get('t') || '';

  function fail(e) {
    const box = BX.errorBox(e);
    if (e && e.code) box.dataset.code = e.code;
    BX.fill($('qrl-error'), box);
  }

  // signIn runs the OAuth of the app this page is open in, coming back
  // here: WeCom's when in WeCom, else WeChat's, else the first enabled.
  function signIn(cfg) {
    const here = location.pathname + location.search;
    if (cfg.sandbox) {
      location.assign('/h5/login?next=' + encodeURIComponent(here));
      return;
    }
    const channels = cfg.channels || [];
    const ua = navigator.userAgent;
    let ch = channels[0];
    if (/wxwork/i.test(ua) && channels.indexOf('work') >= 0) ch = 'work';
    else if (/MicroMessenger/i.test(ua) && channels.indexOf('oa') >= 0) ch = 'oa';
    if (!ch) {
      BX.fill($('qrl-body'), el('div', { class: 'error' }, t('login_no_channel')));
      return;
    }
    location.assign('/auth/' + ch + '/start?next=' + encodeURIComponent(here));
  }

  async function confirm(button) {
    button.disabled = true;
    BX.clear($('qrl-error'));
    try {
      await BX.api('POST', '/auth/qr-login/confirm', { token: token });
      BX.fill($('qrl-body'), el('p', { class: 'ok', id: 'qrl-done' }, t('qrl_done')));
    } catch (e) {
      button.disabled = false;
      fail(e);
      if (e.code === 'qr.used' || e.code === 'qr.expired' || e.code === 'not_found') button.hidden = true;
    }
  }

  async function main() {
    BX.translate();
    document.title = t('qrl_title') + ' · baoxiao';
    if (!token) {
      BX.fill($('qrl-body'), el('div', { class: 'error', role: 'alert' }, t('qrl_no_token')));
      return;
    }
    let cfg;
    let me;
    try {
      cfg = await BX.api('GET', '/h5/config.json', null, { noRedirect: true });
      me = await BX.api('GET', '/api/v1/me', null, { noRedirect: true });
    } catch (e) {
      if (e.status === 401 && cfg) {
        signIn(cfg);
        return;
      }
      BX.clear($('qrl-body'));
      fail(e);
      return;
    }
    try {
      await BX.api('POST', '/auth/qr-login/scan', { token: token });
    } catch (e) {
      BX.clear($('qrl-body'));
      fail(e);
      return;
    }
    const button = el('button', { type: 'button', class: 'primary', id: 'qrl-confirm' }, t('qrl_confirm'));
    button.addEventListener('click', function () { confirm(button); });
    BX.fill($('qrl-body'),
      el('p', { id: 'qrl-question' }, t('qrl_confirm_q', me.name)),
      el('p', { class: 'muted small' }, t('qrl_confirm_note')),
      el('div', { class: 'actions column' }, button));
  }

  main();
})();
