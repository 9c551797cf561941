/*
 * baoxiao-jsapi.js: pick invoices from the WeChat / WeCom card wallet
 * (卡包) and, optionally, import them into baoxiao.
 *
 * Plain ES2017, no dependencies, no build step. Load it as a classic
 * script (window.BaoxiaoJSAPI), as an ES module (baoxiao-jsapi.mjs beside
 * it) or with require(). It loads the JS-SDK named in baoxiao's
 * /h5/config.json unless the page has one: WeChat's jweixin (1.6.0 is
 * what it is tested with), WeCom's @wecom/jssdk (2.4.4, global `ww`), or
 * in sandbox mode the sandbox's stand-in.
 *
 *   const r = await BaoxiaoJSAPI.chooseInvoices({apiBase: 'https://bx.example.com', import: true});
 *   // r.items: [{card_id, encrypt_code, app_id}], r.imported, r.failed
 *
 * Every failure is a BaoxiaoJSAPI.Error with a `code` and a message ready
 * to show; WeChat's own errMsg, code and description are in it when
 * WeChat gave them (err.wechat). Types: baoxiao-jsapi.d.ts. Protocol:
 * shared/wechat-protocol.md §3. README.md, "JSAPI helper".
 */
(function (global, factory) {
  'use strict';
  const api = factory(global);
  if (typeof module === 'object' && module && module.exports) module.exports = api;
  global.BaoxiaoJSAPI = api;
})(typeof globalThis !== 'undefined' ? globalThis : this, function (global) {
  'use strict';

  const VERSION = '2.0.0';
  const MAX_IMPORT = 100; // API.md: at most 100 items per import call
  const JS_API_LIST = ['chooseInvoice'];

  const MESSAGES = {
    cancelled: ['已取消选择发票', 'You cancelled the invoice selection.'],
    not_in_wechat: ['请在微信或企业微信中打开本页，才能从卡包选择发票', 'Open this page in WeChat or WeCom to pick invoices from the card wallet.'],
    wrong_app: ['你是通过{0}登录的，请在{0}中打开本页', 'You signed in through {0}: open this page in {0}.'],
    script: ['无法加载微信 JS-SDK', 'Could not load the WeChat JS-SDK'],
    signature: ['微信 JS-SDK 签名校验失败，请刷新页面重试', 'WeChat refused the JS-SDK signature; reload the page and try again.'],
    domain: ['本页域名不在公众号/企业微信应用的 JS 接口安全域名（可信域名）中，请联系管理员', 'This page\'s domain is not a JS safe domain of the WeChat app; ask your administrator.'],
    config: ['微信 JS-SDK 配置失败', 'WeChat refused the JS-SDK configuration'],
    permission: ['微信拒绝了选择发票：本页没有调用权限', 'WeChat refused to open the invoice list: this page has no permission for it'],
    unsupported: ['当前微信版本不支持选择发票，请升级微信或企业微信', 'This WeChat version cannot pick invoices; please update it.'],
    wechat: ['微信返回错误', 'WeChat returned an error'],
    network: ['网络错误，请检查网络后重试', 'Network error: check your connection and try again.'],
    timeout: ['请求超时，请重试', 'The request timed out; try again.'],
    auth: ['登录已过期，请重新登录', 'Your session has expired; sign in again.'],
    api: ['服务器返回错误', 'The server returned an error'],
    empty: ['没有选择任何发票', 'No invoice was selected.'],
    wechat_app: ['微信', 'WeChat'],
    wecom_app: ['企业微信', 'WeCom'],
    code: ['错误码', 'code'],
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

  const defaults = { apiBase: '', configURL: '', config: null, sdkURL: '', lang: '', timeout: 20000 };
  let options = Object.assign({}, defaults);
  let lang = '';

  function isZh(l) {
    return /^zh/i.test(String(l || ''));
  }

  function pageLang() {
    return lang || (global.navigator && global.navigator.language) || 'zh-CN';
  }

  // msg returns the message for key in the page's language, {0} filled.
  function msg(key, arg) {
    const pair = MESSAGES[key];
    if (!pair) return key;
    return pair[isZh(pageLang()) ? 0 : 1].split('{0}').join(arg === undefined ? '' : String(arg));
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
    const text = msg(code) + (detail ? (isZh(pageLang()) ? '（' + detail + '）' : ' (' + detail + ')') : '');
    return new BaoxiaoJSAPIError(code, text, extra);
  }

  // uaEnv tells the client from its user agent: 'wecom', 'wechat' or
  // 'browser'. WeCom's UA also says MicroMessenger, so it is tested first.
  function uaEnv(userAgent) {
    const ua = String(userAgent || '');
    if (/wxwork/i.test(ua)) return 'wecom';
    if (/MicroMessenger/i.test(ua)) return 'wechat';
    return 'browser';
  }

  // detectEnv is uaEnv, or 'sandbox' in sandbox mode.
  function detectEnv(userAgent, sandbox) {
    return sandbox ? 'sandbox' : uaEnv(userAgent);
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

  // outcome reads a WeChat answer the way both SDKs do: errMsg (or the
  // native err_msg) is "name:keyword"; "fail_x" and "failed_x" mean x;
  // "confirm" is ok; access denied is permission denied. It returns
  // {status: 'ok'|'cancel'|'fail', message, keyword, err_code, err_desc}.
  function outcome(res) {
    res = res || {};
    const message = String(res.errMsg || res.err_msg || res.errmsg || '');
    const colon = message.indexOf(':');
    let kw = (colon < 0 ? message : message.slice(colon + 1)).trim();
    if (/^failed_/i.test(kw)) kw = kw.slice(7);
    else if (/^fail_/i.test(kw)) kw = kw.slice(5);
    kw = kw.replace(/_/g, ' ').toLowerCase();
    if (kw === 'confirm') kw = 'ok';
    if (kw === 'access denied' || kw === 'no permission to execute') kw = 'permission denied';
    const code = res.errCode !== undefined && res.errCode !== null ? res.errCode : res.err_code !== undefined ? res.err_code : null;
    let status = 'fail';
    if (kw === 'ok' || kw === 'yes') status = 'ok';
    else if (kw === 'cancel' || kw === 'canceled' || kw === 'cancelled') status = 'cancel';
    const desc = res.err_desc || res.errDesc || res.err_detail || '';
    return { status: status, message: message, keyword: kw, err_code: code, err_desc: String(desc) };
  }

  // normalise reads a chooseInvoice result in any of WeChat's shapes
  // (wechat-protocol.md §3.4): err_msg (OA) or errMsg/errCode (WeCom);
  // choose_invoice_info or invoiceInfo, a JSON string or an array; items
  // with card_id/encrypt_code/app_id or their camelCase twins. It returns
  // {status: 'ok'|'cancel'|'fail', message, keyword, err_code, err_desc,
  // items, dropped}.
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
    const o = outcome(res);
    let info = res.choose_invoice_info;
    if (info === undefined) info = res.invoiceInfo;
    if (info === undefined) info = res.chooseInvoiceInfo;
    if (o.message === '' && info !== undefined && (o.err_code === null || Number(o.err_code) === 0)) o.status = 'ok';
    if (o.status === 'ok' && o.err_code !== null && Number(o.err_code) !== 0) o.status = 'fail';

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
    if (o.status === 'ok' && malformed) o.status = 'fail';
    o.items = items;
    o.dropped = dropped;
    return o;
  }

  // wechatDetail is WeChat's own words for a failure: errMsg, code and
  // description, as far as WeChat gave them.
  function wechatDetail(o) {
    const parts = [];
    if (o.message) parts.push(o.message);
    if (o.err_code !== null && o.err_code !== undefined && String(o.err_code) !== '') parts.push(msg('code') + ' ' + o.err_code);
    if (o.err_desc) parts.push(o.err_desc);
    return parts.join(isZh(pageLang()) ? '，' : ', ');
  }

  function wechatInfo(o) {
    return { errMsg: o.message, errCode: o.err_code, errDesc: o.err_desc };
  }

  // configFailure names a failed wx.config / agentConfig / ww.register:
  // only "invalid signature" is a signature failure; a page outside the
  // JS safe domains is "domain"; anything else is "config", with WeChat's
  // words.
  function configFailure(res) {
    if (res instanceof Error && !res.errMsg) res = { errMsg: res.message };
    const o = outcome(res);
    let code = 'config';
    if (/invalid signature/.test(o.keyword)) code = 'signature';
    else if (/invalid url domain|domain/.test(o.keyword)) code = 'domain';
    return fail(code, wechatDetail(o), { raw: res, wechat: wechatInfo(o) });
  }

  // chooseFailure names a failed chooseInvoice.
  function chooseFailure(n) {
    let code = 'wechat';
    if (/permission denied|offline verifying|permission/.test(n.keyword)) code = 'permission';
    else if (/function not exist|not support|unsupport/.test(n.keyword)) code = 'unsupported';
    return fail(code, wechatDetail(n), { raw: n, wechat: wechatInfo(n) });
  }

  function apiURL(path) {
    return String(options.apiBase || '').replace(/\/+$/, '') + path;
  }

  // request calls baoxiao's API with the session cookie (also from another
  // origin listed in h5.origins), JSON both ways, bounded by the timeout.
  // Errors become BaoxiaoJSAPIError with apiError = the API's
  // {code, message, details}.
  async function request(method, path, body) {
    const ctrl = typeof AbortController === 'function' ? new AbortController() : null;
    const timer = ctrl ? setTimeout(function () { ctrl.abort(); }, options.timeout) : 0;
    const init = { method: method, credentials: 'include', headers: { Accept: 'application/json' } };
    if (ctrl) init.signal = ctrl.signal;
    if (method !== 'GET') {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body || {});
    }
    let res;
    let text;
    try {
      res = await global.fetch(/^https?:/.test(path) ? path : apiURL(path), init);
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
      const doc = global.document;
      const s = doc.createElement('script');
      const timer = setTimeout(function () { reject(fail('script', src)); }, options.timeout);
      s.src = src;
      s.async = true;
      s.onload = function () { clearTimeout(timer); resolve(); };
      s.onerror = function () { clearTimeout(timer); reject(fail('script', src)); };
      doc.head.appendChild(s);
    });
  }

  // bounded settles like p, or rejects with a timeout naming what.
  function bounded(p, what) {
    return new Promise(function (resolve, reject) {
      const timer = setTimeout(function () { reject(fail('timeout', what)); }, options.timeout);
      p.then(function (v) { clearTimeout(timer); resolve(v); }, function (e) { clearTimeout(timer); reject(e); });
    });
  }

  // pickSDK chooses between the SDKs the page has: WeCom prefers ww
  // (@wecom/jssdk), the OA prefers jweixin's wx; either does for both.
  function pickSDK(channel) {
    const wx = global.wx || global.jWeixin;
    const ww = global.ww;
    const hasWx = !!(wx && typeof wx.config === 'function');
    const hasWW = !!(ww && typeof ww.register === 'function' && typeof ww.chooseInvoice === 'function');
    if (hasWW && (channel === 'work' || !hasWx)) return { kind: 'ww', sdk: ww };
    if (hasWx) return { kind: 'wx', sdk: wx };
    return null;
  }

  // configureWx runs wx.config and waits for WeChat's answer. jweixin
  // 1.6.0 calls wx.ready once a config has completed, whether it failed or
  // not (wx.error first), and from then on at once: after an earlier
  // config (a retry, or the page's own) wx.ready says nothing about this
  // one. Then the client is asked itself (preVerifyJSAPI, what wx.config
  // sends). WeCom's agentConfig follows: jweixin 1.6.0 has no
  // wx.agentConfig, so it goes through wx.invoke as WeCom documents.
  function configureWx(wx, js) {
    const cfg = {
      debug: false, appId: js.app_id, timestamp: js.timestamp, nonceStr: js.nonce_str,
      signature: js.signature, jsApiList: JS_API_LIST.slice(),
    };
    const corp = new Promise(function (resolve, reject) {
      let armed = false;
      let failed = null;
      wx.error(function (res) {
        if (!armed || failed) return; // an earlier config's stale answer
        failed = res || { errMsg: 'config:fail' };
        reject(configFailure(failed));
      });
      armed = true;
      wx.config(cfg);
      let calling = true;
      let stale = false;
      wx.ready(function () {
        if (calling) {
          stale = true;
          return;
        }
        if (!failed) resolve();
      });
      calling = false;
      if (!stale) return;
      wx.invoke('preVerifyJSAPI', { verifyJsApiList: JS_API_LIST.slice(), verifyOpenTagList: [] }, function (res) {
        const o = outcome(res);
        if (o.status === 'ok') resolve();
        else reject(configFailure(res));
      });
    });
    return bounded(corp, 'wx.config').then(function () {
      const a = js.agent_config;
      if (js.channel !== 'work' || !a) return;
      return bounded(new Promise(function (resolve, reject) {
        wx.invoke('agentConfig', {
          corpid: a.corp_id, agentid: String(a.agent_id), timestamp: String(a.timestamp), nonceStr: a.nonce_str,
          signature: a.signature, jsApiList: JS_API_LIST.slice(),
        }, function (res) {
          if (outcome(res).status === 'ok') resolve();
          else reject(configFailure(Object.assign({}, res, { errMsg: res && (res.errMsg || res.err_msg) || 'agentConfig:fail' })));
        });
      }), 'agentConfig');
    });
  }

  // configureWW registers with @wecom/jssdk, which signs through our
  // config endpoint (getConfigSignature, and getAgentConfigSignature on
  // WeCom) and runs config / agentConfig itself; ensureConfigReady waits
  // for that. After a failure the SDK starts over on the next call.
  function configureWW(ww, js, url) {
    const sig = function (which) {
      return async function (u) {
        const j = u === url ? js : await request('GET', '/api/v1/jsapi/config?url=' + encodeURIComponent(u));
        const s = which === 'agent' ? j.agent_config : j;
        return { timestamp: s.timestamp, nonceStr: s.nonce_str, signature: s.signature };
      };
    };
    const a = js.channel === 'work' ? js.agent_config : null;
    const reg = { corpId: a ? a.corp_id : js.app_id, jsApiList: JS_API_LIST.slice(), getConfigSignature: sig('corp') };
    if (a) {
      reg.agentId = a.agent_id;
      reg.getAgentConfigSignature = sig('agent');
    }
    quietWW();
    ww.register(reg);
    return bounded(Promise.resolve(ww.ensureConfigReady()), 'ww.register').catch(function (e) {
      if (e instanceof BaoxiaoJSAPIError) throw e;
      if (e && typeof e === 'object') reported.add(e);
      throw configFailure(e);
    });
  }

  // ww.register starts config itself and drops the promise, so a failed
  // config is also an unhandled rejection (a console error) with the same
  // reason this helper has already reported: that one is silenced.
  const reported = typeof WeakSet === 'function' ? new WeakSet() : { add: function () {}, has: function () { return false; } };
  let quiet = false;
  function quietWW() {
    if (quiet || typeof global.addEventListener !== 'function') return;
    quiet = true;
    global.addEventListener('unhandledrejection', function (e) {
      if (e.reason && typeof e.reason === 'object' && reported.has(e.reason)) e.preventDefault();
    });
  }

  let ready = null;
  let readyFor = '';
  let state = null;

  async function setUp(url) {
    const cfg = options.config || (await request('GET', options.configURL || '/h5/config.json')) || {};
    const ua = uaEnv(global.navigator && global.navigator.userAgent);
    if (ua === 'browser' && !cfg.sandbox) throw fail('not_in_wechat');
    const js = await request('GET', '/api/v1/jsapi/config?url=' + encodeURIComponent(url));
    if (!cfg.sandbox && ua === 'wechat' && js.channel === 'work') throw fail('wrong_app', '', { message: msg('wrong_app', msg('wecom_app')) });
    if (!cfg.sandbox && ua === 'wecom' && js.channel === 'oa') throw fail('wrong_app', '', { message: msg('wrong_app', msg('wechat_app')) });
    let picked = pickSDK(js.channel);
    const src = options.sdkURL || cfg.jweixin_url;
    if (!picked) {
      if (!src) throw fail('script', 'jweixin_url');
      await loadScript(src);
      picked = pickSDK(js.channel);
    }
    if (!picked) throw fail('script', src);
    // The sandbox's client stand-in works in any browser; a real SDK in a
    // plain browser would wait for a WeChat client that never comes.
    const bridge = global.WeixinJSBridge;
    if (ua === 'browser' && !(bridge && bridge.__sandbox)) throw fail('not_in_wechat');
    if (picked.kind === 'ww') await configureWW(picked.sdk, js, url);
    else await configureWx(picked.sdk, js);
    state = { env: bridge && bridge.__sandbox ? 'sandbox' : ua, channel: js.channel, url: url, sdk: picked.kind };
    return state;
  }

  // setOptions merges opts; a change of API base, config or SDK makes the
  // next init start over.
  function setOptions(opts) {
    if (!opts) return;
    const next = Object.assign({}, options);
    for (const k of Object.keys(defaults)) {
      if (opts[k] !== undefined && opts[k] !== null) next[k] = opts[k];
    }
    if (opts.lang) lang = opts.lang;
    if (next.apiBase !== options.apiBase || next.configURL !== options.configURL || next.config !== options.config || next.sdkURL !== options.sdkURL) {
      ready = null;
    }
    options = next;
  }

  // init configures the JS-SDK for the current page once; again after a
  // failure (the user retries) or when the URL changed.
  function init(opts) {
    setOptions(opts);
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

  // invokeChoose opens the wallet picker and resolves with WeChat's raw
  // answer, whatever it says: ww.chooseInvoice (its promise; the SDK
  // rejects with the answer on cancel and fail) or
  // wx.invoke('chooseInvoice') (DECISIONS 15).
  function invokeChoose(st, p) {
    if (st.sdk === 'ww') {
      const q = { timestamp: Number(p.timestamp), nonceStr: p.nonceStr, signType: p.signType, cardSign: p.cardSign };
      return Promise.resolve(global.ww.chooseInvoice(q)).then(function (r) { return r; }, function (r) {
        if (r instanceof Error && !r.errMsg) throw fail('wechat', r.message);
        return r;
      });
    }
    return new Promise(function (resolve, reject) {
      const wx = global.wx || global.jWeixin;
      if (!wx || typeof wx.invoke !== 'function') return reject(fail('unsupported'));
      // OA signs the decimal string; WeCom documents a number (§3.2, §3.3).
      const q = Object.assign({}, p, { timestamp: st.channel === 'work' ? Number(p.timestamp) : String(p.timestamp) });
      try {
        wx.invoke('chooseInvoice', q, resolve);
      } catch (e) {
        reject(fail('wechat', e && e.message));
      }
    });
  }

  // chooseInvoice opens the picker and resolves with the picked
  // [{card_id, encrypt_code, app_id}]; cancel and failures reject.
  async function chooseInvoice(opts) {
    const st = await init(opts);
    const sign = await request('POST', '/api/v1/jsapi/choose-invoice-sign', { url: st.url });
    const res = await invokeChoose(st, {
      timestamp: sign.timestamp, nonceStr: sign.nonce_str, signType: sign.sign_type || 'SHA1', cardSign: sign.card_sign,
    });
    const n = normalise(res);
    if (n.status === 'cancel') throw fail('cancelled');
    if (n.status !== 'ok') throw chooseFailure(n);
    if (n.items.length === 0) throw fail('empty');
    return n.items;
  }

  // importInvoices posts items in chunks of MAX_IMPORT and merges the
  // answers: {imported: [Invoice], failed: [{card_id, encrypt_code, error}]}.
  // A failing chunk rejects with what was already imported in err.partial.
  async function importInvoices(items, opts) {
    setOptions(opts);
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

  // chooseInvoices is the library's one call: it configures the SDK,
  // opens the picker and resolves with {items}; with import: true also
  // {imported, failed} from baoxiao.
  async function chooseInvoices(opts) {
    opts = opts || {};
    const items = await chooseInvoice(opts);
    if (!opts.import) return { items: items };
    let r;
    try {
      r = await importInvoices(items);
    } catch (e) {
      e.items = items;
      throw e;
    }
    return { items: items, imported: r.imported, failed: r.failed };
  }

  async function chooseAndImport(opts) {
    const r = await chooseInvoices(Object.assign({}, opts, { import: true }));
    return { imported: r.imported, failed: r.failed, picked: r.items.length };
  }

  // describeFailure is a user-facing line for one failed import item: in
  // Chinese the code's text first, then the server's message; who holds a
  // duplicate and in which report; the code last.
  function describeFailure(f) {
    const e = (f && f.error) || {};
    const d = e.details || {};
    const zh = isZh(pageLang());
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

  return {
    version: VERSION,
    Error: BaoxiaoJSAPIError,
    chooseInvoices: chooseInvoices,
    init: init,
    chooseInvoice: chooseInvoice,
    importInvoices: importInvoices,
    chooseAndImport: chooseAndImport,
    normalise: normalise,
    outcome: outcome,
    pageURL: pageURL,
    detectEnv: detectEnv,
    describeFailure: describeFailure,
    message: msg,
    get state() { return state; },
  };
});
