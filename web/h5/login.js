/*
 * login.js: /h5/login. Sandbox mode: pick a demo user (POST
 * /auth/sandbox/login). Live mode: OAuth through WeChat or WeCom. Either
 * way the user returns to ?next= (a path on this site) or to the page
 * that fits their role.
 */
(function () {
  'use strict';
  const t = BX.t;
  const el = BX.el;
  const $ = function (id) { return document.getElementById(id); };

  // The demo users of API.md; their names show once signed in. emp-wang
  // signs in through WeCom, the channel API.md gives them.
  const DEMO = [
    { user: 'emp-li', channel: 'oa', role: 'role_emp_oa' },
    { user: 'emp-wang', channel: 'work', role: 'role_emp_work' },
    { user: 'mgr-zhao', role: 'role_approver' },
    { user: 'fin-chen', role: 'role_finance' },
    { user: 'admin', role: 'role_admin' },
  ];

  // next keeps the redirect on this site: a path, never "//host".
  function next() {
    const n = new URLSearchParams(location.search).get('next') || '';
    return /^\/(?![/\\])/.test(n) ? n : '';
  }

  function home(me) {
    if (BX.hasRole(me, 'finance')) return '/h5/finance';
    if (BX.hasRole(me, 'approver')) return '/h5/approve';
    return '/h5/';
  }

  async function sandboxLogin(d, button) {
    const err = BX.clear($('login-error'));
    button.disabled = true;
    try {
      const body = { user: d.user };
      if (d.channel) body.channel = d.channel;
      const me = await BX.api('POST', '/auth/sandbox/login', body, { noRedirect: true });
      location.assign(next() || home(me));
    } catch (e) {
      button.disabled = false;
      err.append(BX.errorBox(e));
    }
  }

  function sandboxPage(cfg) {
    const channels = cfg.channels || [];
    return [
      el('p', { class: 'muted' }, t('login_demo')),
      el('ul', { class: 'cards' }, DEMO.map(function (d) {
        if (d.channel && channels.indexOf(d.channel) < 0) d = { user: d.user, role: d.role };
        const b = el('button', { type: 'button', class: 'card user', dataset: { user: d.user } },
          el('span', { class: 'title' }, d.user), el('span', { class: 'meta' }, t(d.role)));
        b.addEventListener('click', function () { sandboxLogin(d, b); });
        return el('li', { class: 'card-wrap' }, b);
      })),
    ];
  }

  function livePage(cfg) {
    const channels = cfg.channels || [];
    if (channels.length === 0) return el('div', { class: 'error' }, t('login_no_channel'));
    const ua = navigator.userAgent;
    const inApp = /MicroMessenger|wxwork/i.test(ua);
    const n = encodeURIComponent(next() || '/h5/');
    return [
      inApp ? null : el('p', { class: 'notice' }, t('login_pc')),
      el('div', { class: 'actions column' }, channels.map(function (ch) {
        return el('a', { class: 'button primary', id: 'login-' + ch, href: '/auth/' + ch + '/start?next=' + n }, t('login_' + ch));
      })),
    ];
  }

  async function main() {
    BX.translate();
    let cfg;
    try {
      cfg = await BX.api('GET', '/h5/config.json', null, { noRedirect: true });
    } catch (e) {
      BX.clear($('login-body')).append(BX.errorBox(e, function () { location.reload(); }));
      return;
    }
    BX.fill($('login-body'), cfg.sandbox ? sandboxPage(cfg) : livePage(cfg));
  }

  main();
})();
