/*
 * login.js: /h5/login. Sandbox mode: pick a demo user (POST
 * /auth/sandbox/login), or try the QR sign-in on demand. Live mode:
 * OAuth through WeChat or WeCom inside their apps; on a PC, a QR code the
 * phone scans and confirms (DECISIONS 4), polled here. Either way the
 * user returns to ?next= (a path on this site) or to the page that fits
 * their role.
 */
(function () {
  'use strict';
  const t = BX.t;
  const el = BX.el;
  const $ = function (id) { return document.getElementById(id); };

  // The demo users of API.md (infra/sandbox.DemoUsers: a test keeps the
  // names in step), shown by name with the id beside it. emp-wang signs
  // in through WeCom, the channel API.md gives them. dir-sun and fin-zhou
  // are the demo chain's later steps (DECISIONS 45).
  const DEMO = [
    { user: 'emp-li', name: '李娜', channel: 'oa', role: 'role_emp_oa' },
    { user: 'emp-wang', name: '王芳', channel: 'work', role: 'role_emp_work' },
    { user: 'mgr-zhao', name: '赵磊', role: 'role_approver' },
    { user: 'dir-sun', name: '孙伟', role: 'role_director' },
    { user: 'fin-chen', name: '陈静', role: 'role_finance' },
    { user: 'fin-zhou', name: '周敏', role: 'role_finance_cashier' },
    { user: 'admin', name: '系统管理员', role: 'role_admin' },
  ];

  // next is where to go once signed in: ?next= when BX.safeNext keeps
  // it on this site (the server's rule), else ''.
  function next() {
    return BX.safeNext(new URLSearchParams(location.search).get('next') || '');
  }

  // landing is next, or the user's own home when no page was asked for:
  // "/h5/" is the default entry ("/" leads there), so it counts as none.
  function landing(me) {
    const n = next();
    return n && n !== '/h5/' ? n : BX.home(me);
  }

  async function sandboxLogin(d, button) {
    const err = BX.clear($('login-error'));
    button.disabled = true;
    try {
      const body = { user: d.user };
      if (d.channel) body.channel = d.channel;
      const me = await BX.api('POST', '/auth/sandbox/login', body, { noRedirect: true });
      location.assign(landing(me));
    } catch (e) {
      button.disabled = false;
      err.append(BX.errorBox(e));
    }
  }

  // The sandbox keeps its demo-user picker; the QR sign-in is one click
  // away for demos (a second browser plays the phone through the
  // sandbox's OAuth page), not polling on every visit.
  function sandboxPage(cfg) {
    const channels = cfg.channels || [];
    const demoQR = el('div', { class: 'actions' });
    const demoButton = el('button', { type: 'button', id: 'qrl-demo' }, t('qrl_demo'));
    demoButton.addEventListener('click', function () { BX.fill(demoQR, qrPanel(null)); });
    demoQR.append(demoButton);
    return [
      el('p', { class: 'muted' }, t('login_demo')),
      el('ul', { class: 'cards' }, DEMO.map(function (d) {
        if (d.channel && channels.indexOf(d.channel) < 0) d = { user: d.user, name: d.name, role: d.role };
        const b = el('button', { type: 'button', class: 'card user', dataset: { user: d.user } },
          el('span', { class: 'title' }, d.name, el('span', { class: 'muted small user-id' }, ' ' + d.user)),
          el('span', { class: 'meta' }, t(d.role)));
        b.addEventListener('click', function () { sandboxLogin(d, b); });
        return el('li', { class: 'card-wrap' }, b);
      })),
      demoQR,
    ];
  }

  // qrPanel is the PC's QR sign-in: it opens a hand-off (the server sets
  // a cookie only this browser holds), shows the QR and polls until a
  // phone confirms; then it asks "sign in on this computer as X?" and only
  // the accept signs this browser in (issue 15: someone else who saw the
  // QR cannot sign this PC into their account unnoticed). onMissing runs
  // when the server offers no QR sign-in.
  function qrPanel(onMissing) {
    const POLL_MS = 1500;
    let expiresAt = '';
    let state = '';
    let pollTimer = 0;
    let tickTimer = 0;
    const img = el('div', { id: 'qrl-image' });
    const status = el('p', { id: 'qrl-state', dataset: { state: '' } });
    const again = el('button', { type: 'button', id: 'qrl-new', class: 'primary', hidden: true }, t('qrl_new'));
    const err = el('div', { id: 'qrl-error', 'aria-live': 'polite' });
    const ask = el('div', { id: 'qrl-ask', hidden: true });
    const box = el('div', { class: 'qr-box', id: 'qr-login' }, el('p', { class: 'muted small' }, t('qrl_intro')), img, status, ask, again, err);

    function left() {
      const s = Math.max(0, Math.round((Date.parse(expiresAt) - Date.now()) / 1000));
      return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
    }

    function show(st) {
      state = st;
      status.dataset.state = st;
      status.textContent = st === 'pending' ? t('qrl_pending', left()) : st === 'scanned' ? t('qrl_scanned', left()) :
        st === 'signed_in' ? t('qrl_signed_in') : st === 'declined' ? t('qrl_declined') : st === 'confirmed' ? '' : t('qrl_expired');
      status.hidden = st === 'confirmed';
      const q = document.getElementById('qrl-img');
      if (q) q.classList.toggle('stale', st === 'expired' || st === 'declined');
      again.hidden = st !== 'expired' && st !== 'declined';
      if (st !== 'confirmed') BX.clear(ask).hidden = true;
    }

    // askAccept shows who confirmed on their phone and lets the person at
    // this computer accept or decline signing in as them.
    function askAccept(who) {
      const yes = el('button', { type: 'button', class: 'primary', id: 'qrl-accept' }, t('qrl_accept'));
      const no = el('button', { type: 'button', id: 'qrl-decline' }, t('qrl_decline'));
      async function answer(accept) {
        yes.disabled = no.disabled = true;
        BX.clear(err);
        try {
          const r = await BX.api('POST', '/auth/qr-login/' + (accept ? 'accept' : 'decline'), {}, { noRedirect: true });
          if (accept) {
            stop();
            show('signed_in');
            location.assign(landing(r.me));
            return;
          }
          stop();
          show('declined');
        } catch (e) {
          if (e.code === 'not_found' || e.code === 'qr.used' || e.code === 'qr.expired') {
            stop();
            show('expired');
            return;
          }
          yes.disabled = no.disabled = false;
          BX.fill(err, BX.errorBox(e));
        }
      }
      yes.addEventListener('click', function () { answer(true); });
      no.addEventListener('click', function () { answer(false); });
      BX.fill(ask,
        el('p', { id: 'qrl-question', dataset: { who: who.id } }, t('qrl_accept_q', who.name + '（' + who.id + '）')),
        el('p', { class: 'muted small' }, t('qrl_accept_note')),
        el('div', { class: 'actions' }, yes, no)).hidden = false;
    }

    function stop() {
      clearTimeout(pollTimer);
      clearInterval(tickTimer);
    }

    async function poll() {
      clearTimeout(pollTimer);
      try {
        const r = await BX.api('GET', '/auth/qr-login/status', null, { noRedirect: true });
        BX.clear(err);
        if (r.expires_at) expiresAt = r.expires_at;
        if (r.state === 'confirmed') {
          // Polling stops: the answer is the user's to give.
          const first = state !== 'confirmed';
          show('confirmed');
          if (first) askAccept(r.who);
          return;
        }
        show(r.state);
        if (r.state === 'expired' || r.state === 'declined') {
          stop();
          return;
        }
      } catch (e) {
        if (e.code === 'not_found' || e.code === 'qr.used' || e.code === 'qr.expired') {
          // The cookie is gone or the code was taken: start over.
          stop();
          show('expired');
          return;
        }
        BX.fill(err, BX.errorBox(e)); // a network blip: keep polling
      }
      pollTimer = setTimeout(poll, POLL_MS);
    }

    async function start() {
      stop();
      again.disabled = true;
      BX.clear(err);
      try {
        const s = await BX.api('POST', '/auth/qr-login', {}, { noRedirect: true });
        expiresAt = s.expires_at;
        BX.fill(img, el('img', { id: 'qrl-img', alt: 'QR', src: 'data:image/png;base64,' + s.qr_png, dataset: { url: s.url } }));
        show('pending');
        tickTimer = setInterval(function () { if (state === 'pending' || state === 'scanned') show(state); }, 1000);
        pollTimer = setTimeout(poll, POLL_MS);
      } catch (e) {
        if (e.status === 404 && onMissing) {
          box.remove();
          onMissing();
          return;
        }
        BX.fill(err, BX.errorBox(e, start));
        again.hidden = false;
      } finally {
        again.disabled = false;
      }
    }

    again.addEventListener('click', start);
    start();
    return box;
  }

  function oauthLinks(channels) {
    const n = encodeURIComponent(next() || '/h5/');
    return el('div', { class: 'actions column' }, channels.map(function (ch) {
      return el('a', { class: 'button primary', id: 'login-' + ch, href: '/auth/' + ch + '/start?next=' + n }, t('login_' + ch));
    }));
  }

  function livePage(cfg) {
    const channels = cfg.channels || [];
    if (channels.length === 0) return el('div', { class: 'error' }, t('login_no_channel'));
    const inApp = /MicroMessenger|wxwork/i.test(navigator.userAgent);
    if (inApp) return oauthLinks(channels);
    // A PC (or a phone's plain browser): the QR first, the OAuth links
    // for those who can open them.
    const notice = el('p', { class: 'muted small', id: 'login-or' }, t('qrl_or'));
    return [
      qrPanel(function () { notice.className = 'notice'; notice.textContent = t('login_pc'); }),
      notice,
      oauthLinks(channels),
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
