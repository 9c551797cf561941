/*
 * baoxiao-jsapi.js: pick invoices from the WeChat / WeCom card wallet
 * (卡包) and import them into baoxiao.
 *
 * Plain ES2017, no dependencies: it loads WeChat's own jweixin script from
 * the URL in /h5/config.json (in sandbox mode the sandbox's stand-in, which
 * has the same API surface, so the same code path runs everywhere).
 *
 *   await BaoxiaoJSAPI.init();                        // wx.config (+ agentConfig)
 *   const r = await BaoxiaoJSAPI.chooseAndImport();   // {imported, failed, picked}
 *
 * Every failure is a BaoxiaoJSAPI.Error with a `code` (cancelled,
 * not_in_wechat, wrong_app, script, signature, unsupported, wechat, network,
 * timeout, auth, api, empty) and a message ready to show. See README.md,
 * "JSAPI helper". Protocol: shared/wechat-protocol.md §3.
 */
(function (global) {
  'use strict';

  const TIMEOUT_MS = 20000; // every network step; the picker itself waits for the user
  const MAX_IMPORT = 100; // API.md: at most 100 items per import call

  const MESSAGES = {
    cancelled: ['已取消选择发票', 'You cancelled the invoice selection.'],
    not_in_wechat: ['请在微信或企业微信中打开本页，才能从卡包选择发票', 'Open this page in WeChat or WeCom to pick invoices from the card wallet.'],
    wrong_app: ['你是通过{0}登录的，请在{0}中打开本页', 'You signed in through {0}: open this page in {0}.'],
    script: ['无法加载微信 JS-SDK', 'Could not load the WeChat JS-SDK'],
    signature: ['微信 JS-SDK 签名校验失败，请刷新页面重试', 'WeChat refused the JS-SDK signature; reload the page and try again.'],
    unsupported: ['当前微信版本不支持选择发票，请升级微信或企业微信', 'This WeChat version cannot pick invoices; please update it.'],
    wechat: ['微信返回错误', 'WeChat returned an error'],
    network: ['网络错误，请检查网络后重试', 'Network error: check your connection and try again.'],
    timeout: ['请求超时，请重试', 'The request timed out; try again.'],
    auth: ['登录已过期，请重新登录', 'Your session has expired; sign in again.'],
    api: ['服务器返回错误', 'The server returned an error'],
    empty: ['没有选择任何发票', 'No invoice was selected.'],
    wechat_app: ['微信', 'WeChat'],
    wecom_app: ['企业微信', 'WeCom'],
    // Import failures (error.code of a failed item), API.md.
    'invoice.duplicate': ['该发票已被导入', 'This invoice has already been imported'],
    'invoice.in_report': ['该发票已在报销单中', 'This invoice is already in a report'],
    'invoice.locked_elsewhere': ['该发票已被其他单位锁定报销', 'Another reimburser has locked this invoice'],
    'invoice.already_reimbursed': ['该发票已报销（核销）', 'This invoice has already been reimbursed'],
    'invoice.cancelled': ['该发票已红冲作废', 'This invoice has been cancelled (红冲)'],
    'invoice.not_in_wallet': ['该发票不在您的微信卡包中', 'This invoice is not in your WeChat wallet'],
    'invoice.unreadable': ['微信返回的发票信息无法读取，请联系管理员', 'WeChat returned this invoice in a form we cannot read; ask your administrator'],
    'wechat.unavailable': ['微信暂时不可用，请稍后重试', 'WeChat is unavailable; try again later'],
    'wechat.rejected': ['微信拒绝了请求', 'WeChat refused the request'],
    'auth.forbidden': ['无权操作', 'Not allowed'],
  };

  function isZh(lang) {
    return /^zh/i.test(String(lang || ''));
  }

  let lang = (global.navigator && global.navigator.language) || 'zh-CN';

  // msg returns the message for key in the page's language, {0} filled.
  function msg(key, arg) {
    const pair = MESSAGES[key];
    if (!pair) return key;
    return pair[isZh(lang) ? 0 : 1].split('{0}').join(arg === undefined ? '' : String(arg));
  }

  class BaoxiaoJSAPIError extends Error {
    constructor(code, message, extra) {
      super(message || msg(code));
      this.name = 'BaoxiaoJSAPIError';
      this.code = code;
      Object.assign(this, extra || {});
    }
  }

  function fail(code, detail, extra) {
    const text = msg(code) + (detail ? '（' + detail + '）' : '');
    return new BaoxiaoJSAPIError(code, text, extra);
  }

  // detectEnv tells where the page runs: 'sandbox' (the sandbox's
  // stand-in jweixin), 'wecom', 'wechat' or 'browser'. WeCom's UA also says
  // MicroMessenger, so it is tested first.
  function detectEnv(userAgent, sandbox) {
    if (sandbox) return 'sandbox';
    const ua = String(userAgent || '');
    if (/wxwork/i.test(ua)) return 'wecom';
    if (/MicroMessenger/i.test(ua)) return 'wechat';
    return 'browser';
  }

  // pageURL is the URL WeChat checks the signature against: the page's
  // exact URL with its query and without "#…" (wechat-protocol.md §3.1).
  function pageURL(href) {
    const s = String(href);
    const i = s.indexOf('#');
    return i < 0 ? s : s.slice(0, i);
  }

  function parseMaybe(v) {
    for (let i = 0; i < 2 && typeof v === 'string'; i++) {
      const s = v.trim();
      if (s === '') return [];
      v = JSON.parse(s); // throws on malformed text
    }
    return v;
  }

  // normalise reads a chooseInvoice result in any of WeChat's shapes
  // (wechat-protocol.md §3.4): err_msg (OA) or errMsg/errCode (WeCom);
  // choose_invoice_info or invoiceInfo, a JSON string or an array; items
  // with card_id/encrypt_code/app_id or their camelCase twins. It returns
  // {status: 'ok'|'cancel'|'fail', message, err_code, items, dropped}.
  function normalise(res) {
    if (typeof res === 'string') {
      try {
        res = JSON.parse(res);
      } catch (e) {
        res = { err_msg: res };
      }
    }
    if (res instanceof Error) res = { errMsg: res.message };
    res = res || {};
    const message = String(res.err_msg || res.errMsg || '');
    const errCode = res.errCode !== undefined ? res.errCode : res.err_code !== undefined ? res.err_code : null;
    const tail = message.slice(message.lastIndexOf(':') + 1).trim().toLowerCase();
    let status = 'fail';
    if (tail === 'ok') status = 'ok';
    else if (tail === 'cancel' || tail === 'canceled' || tail === 'cancelled') status = 'cancel';
    let info = res.choose_invoice_info;
    if (info === undefined) info = res.invoiceInfo;
    if (info === undefined) info = res.chooseInvoiceInfo;
    if (message === '' && info !== undefined && (errCode === null || Number(errCode) === 0)) status = 'ok';
    if (status === 'ok' && errCode !== null && Number(errCode) !== 0) status = 'fail';

    let list = [];
    let malformed = false;
    try {
      info = parseMaybe(info);
    } catch (e) {
      malformed = true;
      info = [];
    }
    if (Array.isArray(info)) list = info;
    else if (info && typeof info === 'object') list = [info];
    else if (info !== undefined && info !== null) malformed = true;

    const items = [];
    const dropped = [];
    const seen = {};
    for (const raw of list) {
      let it = raw;
      try {
        it = parseMaybe(raw);
      } catch (e) {
        it = null;
      }
      const card = it && (it.card_id || it.cardId);
      const code = it && (it.encrypt_code || it.encryptCode);
      if (!card || !code) {
        dropped.push(raw);
        continue;
      }
      if (seen[card + '\n' + code]) continue;
      seen[card + '\n' + code] = true;
      items.push({ card_id: String(card), encrypt_code: String(code), app_id: String(it.app_id || it.appId || '') });
    }
    if (status === 'ok' && malformed) status = 'fail';
    return { status: status, message: message, err_code: errCode, items: items, dropped: dropped };
  }

  // request calls baoxiao's API: same-origin cookie, JSON both ways,
  // bounded by TIMEOUT_MS. Errors become BaoxiaoJSAPIError with apiError
  // = the API's {code, message, details}.
  async function request(method, path, body) {
    const ctrl = typeof AbortController === 'function' ? new AbortController() : null;
    const timer = ctrl ? setTimeout(function () { ctrl.abort(); }, TIMEOUT_MS) : 0;
    const init = { method: method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (ctrl) init.signal = ctrl.signal;
    if (method !== 'GET') {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body || {});
    }
    let res;
    let text;
    try {
      res = await fetch(path, init);
      text = await res.text();
    } catch (e) {
      throw fail(e && e.name === 'AbortError' ? 'timeout' : 'network', '', { cause: e });
    } finally {
      clearTimeout(timer);
    }
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (e) {
      data = null;
    }
    if (!res.ok) {
      const apiError = (data && data.error) || { code: 'http.' + res.status, message: res.statusText || String(res.status) };
      const code = res.status === 401 ? 'auth' : 'api';
      throw new BaoxiaoJSAPIError(code, apiError.message || msg(code), { status: res.status, apiError: apiError });
    }
    return data;
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      const s = document.createElement('script');
      const timer = setTimeout(function () { reject(fail('script', src)); }, TIMEOUT_MS);
      s.src = src;
      s.async = true;
      s.onload = function () { clearTimeout(timer); resolve(); };
      s.onerror = function () { clearTimeout(timer); reject(fail('script', src)); };
      document.head.appendChild(s);
    });
  }

  function describeWx(res) {
    if (!res) return '';
    return String(res.errMsg || res.err_msg || (typeof res === 'string' ? res : ''));
  }

  // configure runs wx.config and, on WeCom, wx.agentConfig; it settles on
  // ready/success or on error/fail, whichever comes first.
  function configure(wx, js) {
    return new Promise(function (resolve, reject) {
      let settled = false;
      const timer = setTimeout(function () { finish(fail('timeout', 'wx.config')); }, TIMEOUT_MS);
      function finish(err) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      }
      wx.error(function (res) { finish(fail('signature', describeWx(res), { raw: res })); });
      wx.ready(function () {
        const a = js.agent_config;
        if (js.channel !== 'work' || !a || typeof wx.agentConfig !== 'function') return finish();
        wx.agentConfig({
          corpid: a.corp_id, agentid: a.agent_id, timestamp: a.timestamp, nonceStr: a.nonce_str,
          signature: a.signature, jsApiList: ['chooseInvoice'],
          success: function () { finish(); },
          fail: function (res) { finish(fail('signature', describeWx(res), { raw: res })); },
        });
      });
      wx.config({
        beta: true, debug: false, appId: js.app_id, timestamp: js.timestamp, nonceStr: js.nonce_str,
        signature: js.signature, jsApiList: ['chooseInvoice'],
      });
    });
  }

  const defaults = { configURL: '/h5/config.json', config: null, lang: null };
  let options = Object.assign({}, defaults);
  let ready = null;
  let readyFor = '';
  let state = null;

  async function setUp(url) {
    const cfg = options.config || (await request('GET', options.configURL)) || {};
    const env = detectEnv(global.navigator && global.navigator.userAgent, cfg.sandbox);
    if (env === 'browser') throw fail('not_in_wechat');
    const js = await request('GET', '/api/v1/jsapi/config?url=' + encodeURIComponent(url));
    if (env === 'wechat' && js.channel === 'work') throw fail('wrong_app', '', { message: msg('wrong_app', msg('wecom_app')) });
    if (env === 'wecom' && js.channel === 'oa') throw fail('wrong_app', '', { message: msg('wrong_app', msg('wechat_app')) });
    if (!global.wx || typeof global.wx.config !== 'function') {
      if (!cfg.jweixin_url) throw fail('script', 'jweixin_url');
      await loadScript(cfg.jweixin_url);
    }
    if (!global.wx || typeof global.wx.config !== 'function') throw fail('script', cfg.jweixin_url);
    await configure(global.wx, js);
    state = { env: env, channel: js.channel, url: url };
    return state;
  }

  // init configures the JS-SDK for the current page once (again after a
  // failure or when the URL changed). opts: {configURL, config, lang}.
  function init(opts) {
    if (opts) {
      options = Object.assign({}, defaults, opts);
      if (opts.lang) lang = opts.lang;
    }
    const url = pageURL(global.location.href);
    if (ready && readyFor === url) return ready;
    readyFor = url;
    const p = setUp(url);
    ready = p;
    p.catch(function () {
      if (ready === p) ready = null; // let the user try again
    });
    return p;
  }

  // invokeChoose opens the wallet picker: OA wx.invoke; WeCom
  // ww.chooseInvoice, or wx.invoke on older jweixin (DECISIONS 15). It
  // resolves with WeChat's raw result, whatever it says.
  function invokeChoose(channel, p) {
    return new Promise(function (resolve, reject) {
      let done = false;
      function finish(res) {
        if (done) return;
        done = true;
        resolve(res);
      }
      const ww = global.ww;
      if (channel === 'work' && ww && typeof ww.chooseInvoice === 'function') {
        const q = Object.assign({}, p, { timestamp: Number(p.timestamp), success: finish, fail: finish, cancel: finish });
        let ret;
        try {
          ret = ww.chooseInvoice(q);
        } catch (e) {
          return reject(fail('wechat', e && e.message));
        }
        if (ret && typeof ret.then === 'function') ret.then(finish, finish);
        return;
      }
      const wx = global.wx;
      if (!wx || typeof wx.invoke !== 'function') return reject(fail('unsupported'));
      // OA signs the decimal string; WeCom documents a number (§3.2, §3.3).
      const q = Object.assign({}, p, { timestamp: channel === 'work' ? Number(p.timestamp) : String(p.timestamp) });
      try {
        wx.invoke('chooseInvoice', q, finish);
      } catch (e) {
        reject(fail('wechat', e && e.message));
      }
    });
  }

  function failureOf(n) {
    const m = n.message.toLowerCase();
    if (/sign|permission|config|denied/.test(m)) return fail('signature', n.message, { raw: n });
    if (/not exist|not support|unsupport/.test(m)) return fail('unsupported', n.message, { raw: n });
    return fail('wechat', n.message || (n.err_code !== null ? 'errCode ' + n.err_code : ''), { raw: n });
  }

  // chooseInvoice opens the picker and resolves with the picked
  // [{card_id, encrypt_code, app_id}]; cancel and failures reject.
  async function chooseInvoice() {
    const st = await init();
    const sign = await request('POST', '/api/v1/jsapi/choose-invoice-sign', { url: st.url });
    const res = await invokeChoose(st.channel, {
      timestamp: sign.timestamp, nonceStr: sign.nonce_str, signType: sign.sign_type || 'SHA1', cardSign: sign.card_sign,
    });
    const n = normalise(res);
    if (n.status === 'cancel') throw fail('cancelled');
    if (n.status !== 'ok') throw failureOf(n);
    if (n.items.length === 0) throw fail('empty');
    return n.items;
  }

  // importInvoices posts items in chunks of MAX_IMPORT and merges the
  // answers: {imported: [Invoice], failed: [{card_id, encrypt_code, error}]}.
  // A failing chunk rejects with what was already imported in err.partial.
  async function importInvoices(items) {
    const out = { imported: [], failed: [] };
    for (let i = 0; i < items.length; i += MAX_IMPORT) {
      let r;
      try {
        r = await request('POST', '/api/v1/invoices/import', { choose_invoice_info: items.slice(i, i + MAX_IMPORT) });
      } catch (e) {
        e.partial = out;
        throw e;
      }
      out.imported.push.apply(out.imported, r.imported || []);
      out.failed.push.apply(out.failed, r.failed || []);
    }
    return out;
  }

  async function chooseAndImport() {
    const items = await chooseInvoice();
    const r = await importInvoices(items);
    r.picked = items.length;
    return r;
  }

  // describeFailure is a user-facing line for one failed import item: in
  // Chinese the code's text first, then the server's message; who holds a
  // duplicate and in which report; the code last.
  function describeFailure(f) {
    const e = (f && f.error) || {};
    const d = e.details || {};
    const zh = isZh(lang);
    const extra = [];
    if (d.imported_by) extra.push(zh ? '导入人：' + d.imported_by : 'imported by ' + d.imported_by);
    if (d.report_number) extra.push(zh ? '报销单：' + d.report_number : 'report ' + d.report_number);
    let text;
    if (zh) {
      const head = MESSAGES[e.code] ? msg(e.code) : msg('api');
      text = head + (extra.length ? '（' + extra.join('，') + '）' : '') + (e.message ? '：' + e.message : '');
    } else {
      text = (e.message || msg('api')) + (extra.length ? ' (' + extra.join(', ') + ')' : '');
    }
    return text + (e.code ? ' [' + e.code + ']' : '');
  }

  global.BaoxiaoJSAPI = {
    version: '1',
    Error: BaoxiaoJSAPIError,
    detectEnv: detectEnv,
    pageURL: pageURL,
    normalise: normalise,
    describeFailure: describeFailure,
    message: msg,
    init: init,
    chooseInvoice: chooseInvoice,
    importInvoices: importInvoices,
    chooseAndImport: chooseAndImport,
    get state() { return state; },
  };
})(typeof window !== 'undefined' ? window : this);
