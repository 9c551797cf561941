// Unit tests of baoxiao-jsapi.js under node (node --test): the pure rules,
// and the flows against fakes that behave as jweixin 1.6.0 and
// @wecom/jssdk do where the helper can see it. The browser tests
// (web/h5_jsapi_sdk_browser_test.go) run the real SDKs.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const LIB = path.join(__dirname, '..', 'baoxiao-jsapi.js');
const WECHAT_UA = 'Mozilla/5.0 (Linux; Android 13) MicroMessenger/8.0.43.2480 NetType/WIFI';
const WECOM_UA = 'Mozilla/5.0 (iPhone) MicroMessenger/7.0.1 wxwork/4.1.16';
const PAGE = 'https://portal.example.com/invoices?x=1';

// load gives a fresh copy of the library in a fake page.
function load(env) {
  for (const k of ['wx', 'jWeixin', 'ww', 'WeixinJSBridge', 'BaoxiaoJSAPI']) delete globalThis[k];
  Object.defineProperty(globalThis, 'navigator', { value: { userAgent: env.ua || WECHAT_UA, language: 'en-US' }, configurable: true, writable: true });
  globalThis.location = { href: PAGE + '#/list' };
  globalThis.fetch = env.fetch;
  Object.assign(globalThis, env.globals || {});
  delete require.cache[LIB];
  return require(LIB);
}

const signed = {
  oa: { channel: 'oa', app_id: 'wxA', timestamp: 1700000000, nonce_str: 'n1', signature: 'sig1', js_api_list: ['chooseInvoice'] },
  work: {
    channel: 'work', app_id: 'wwC', timestamp: 1700000000, nonce_str: 'n1', signature: 'sig1', js_api_list: ['chooseInvoice'],
    agent_config: { corp_id: 'wwC', agent_id: '1000002', timestamp: 1700000001, nonce_str: 'n2', signature: 'sig2' },
  },
};

// api fakes baoxiao's endpoints and records the calls.
function api(channel, extra) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url: String(url), method: init.method, credentials: init.credentials, body: init.body && JSON.parse(init.body) });
    const u = new URL(url, 'https://bx.example.com');
    let body;
    if (u.pathname === '/h5/config.json') body = { jweixin_url: 'https://res.wx.qq.com/open/js/jweixin-1.6.0.js', sandbox: false };
    else if (u.pathname === '/api/v1/jsapi/config') body = signed[channel];
    else if (u.pathname === '/api/v1/jsapi/choose-invoice-sign') body = { timestamp: 1700000009, nonce_str: 'cs', sign_type: 'SHA1', card_sign: 'cardsig' };
    else if (u.pathname === '/api/v1/invoices/import') {
      const items = JSON.parse(init.body).choose_invoice_info;
      body = { imported: items.map((i) => ({ id: 'inv_' + i.card_id })), failed: [] };
    }
    if (extra && extra[u.pathname]) return extra[u.pathname](init);
    const text = JSON.stringify(body || { error: { code: 'not_found', message: 'no' } });
    return { ok: !!body, status: body ? 200 : 404, statusText: '', text: async () => text };
  };
  return { calls, fetch };
}

// fakeJweixin behaves as jweixin 1.6.0: ready runs after the config
// answer whether it failed or not (error first), and at once for every
// later call; error keeps one handler; invoke goes to the bridge with the
// config's verify fields.
function fakeJweixin(bridge) {
  let v = {};
  let st = 0;
  let completes = [];
  let failFn = null;
  const wx = {
    config(c) {
      v = c;
      const mine = completes;
      bridge.invoke('preVerifyJSAPI', { verifyJsApiList: c.jsApiList, verifySignature: c.signature }, (res) => {
        st = 1;
        const msg = res.err_msg.replace(/^[^:]*:(fail_)?/, 'config:');
        if (msg !== 'config:ok' && failFn) failFn({ errMsg: msg });
        mine.forEach((f) => f());
        completes = [];
      });
      wx.invoke = (name, p, cb) => bridge.invoke(name, Object.assign({}, p, { verifySignature: v.signature }), cb);
    },
    ready(f) {
      if (st !== 0) f();
      else completes.push(f);
    },
    error(f) {
      failFn = f;
    },
  };
  return wx;
}

// fakeBridge answers like the client: preVerifyJSAPI per the given
// verdicts (in order, the last repeating), agentConfig ok, chooseInvoice
// permission denied until a config succeeded.
function fakeBridge(verdicts, choose) {
  const log = [];
  let verified = false;
  return {
    log,
    invoke(name, params, cb) {
      log.push(name);
      setTimeout(() => {
        if (name === 'preVerifyJSAPI') {
          const ok = (verdicts.length > 1 ? verdicts.shift() : verdicts[0]) === 'ok';
          verified = ok;
          cb({ err_msg: ok ? 'preVerifyJSAPI:ok' : 'preVerifyJSAPI:fail_invalid signature' });
        } else if (name === 'agentConfig') {
          cb({ err_msg: 'agentConfig:ok', params });
        } else if (name === 'chooseInvoice') {
          cb(verified ? choose : { err_msg: 'chooseInvoice:fail_permission denied' });
        } else cb({ err_msg: name + ':fail_function not exist' });
      }, 5);
    },
  };
}

const item = { card_id: 'pX', encrypt_code: 'Ab+c/d==', app_id: 'wxI' };
const okString = { err_msg: 'choose_invoice:ok', choose_invoice_info: JSON.stringify([item]) };

test('normalise reads every result shape', () => {
  const A = load({ fetch: api('oa').fetch });
  const n = A.normalise;
  const ok = (info) => ({ err_msg: 'choose_invoice:ok', choose_invoice_info: info });
  assert.deepEqual(n(ok(JSON.stringify([item]))).items, [item]);
  assert.deepEqual(n(ok([item])).items, [item]);
  assert.deepEqual(n({ errMsg: 'chooseInvoice:ok', errCode: 0, choose_invoice_info: [item] }).items, [item]);
  assert.deepEqual(n({ errMsg: 'chooseInvoice:ok', invoiceInfo: JSON.stringify([item]) }).items, [item]);
  assert.deepEqual(n(ok([{ cardId: 'pX', encryptCode: 'Ab+c/d==', appId: 'wxI' }])).items, [item]);
  assert.deepEqual(n(ok(JSON.stringify(JSON.stringify([item])))).items, [item]);
  assert.deepEqual(n(ok([JSON.stringify(item)])).items, [item]);
  assert.deepEqual(n(ok([item, item])).items, [item]);
  assert.deepEqual(n(ok([{ card_id: 'pX' }, item])).dropped, [{ card_id: 'pX' }]);
  assert.deepEqual(n(ok('')).items, []);
  assert.equal(n({ err_msg: 'choose_invoice:cancel' }).status, 'cancel');
  assert.equal(n({ errMsg: 'chooseInvoice:cancel', errCode: 1 }).status, 'cancel');
  assert.equal(n(ok('[{')).status, 'fail');
  assert.equal(n({ errMsg: 'chooseInvoice:ok', errCode: -1, choose_invoice_info: [item] }).status, 'fail');
  assert.equal(n(null).status, 'fail');
  assert.equal(n({ choose_invoice_info: [item] }).status, 'ok');
  const f = n({ err_msg: 'choose_invoice:fail', err_code: 12345, err_desc: 'busy' });
  assert.deepEqual([f.status, f.keyword, f.err_code, f.err_desc], ['fail', 'fail', 12345, 'busy']);
});

test('outcome words answers as the SDKs do', () => {
  const A = load({ fetch: api('oa').fetch });
  assert.equal(A.outcome({ err_msg: 'chooseInvoice:fail_permission denied' }).keyword, 'permission denied');
  assert.equal(A.outcome({ err_msg: 'system:access_denied' }).keyword, 'permission denied');
  assert.equal(A.outcome({ errMsg: 'config:fail,Error: 系统错误，错误码：63002,invalid signature' }).keyword, 'fail,error: 系统错误，错误码：63002,invalid signature');
  assert.equal(A.outcome({ err_msg: 'share:confirm' }).status, 'ok');
});

test('pageURL and detectEnv', () => {
  const A = load({ fetch: api('oa').fetch });
  assert.equal(A.pageURL('https://h5.example.com/h5/?a=1&b=2#report/rpt_1'), 'https://h5.example.com/h5/?a=1&b=2');
  assert.equal(A.pageURL('https://a.example/b?c#d#e'), 'https://a.example/b?c');
  assert.equal(A.detectEnv(WECOM_UA), 'wecom');
  assert.equal(A.detectEnv(WECHAT_UA), 'wechat');
  assert.equal(A.detectEnv('Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0'), 'browser');
  assert.equal(A.detectEnv(WECHAT_UA, true), 'sandbox');
});

test('a plain browser is told to open WeChat at once', async () => {
  const a = api('oa');
  const A = load({ ua: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0', fetch: a.fetch });
  await assert.rejects(A.chooseInvoices({ apiBase: 'https://bx.example.com' }), (e) => e.code === 'not_in_wechat' && e.name === 'BaoxiaoJSAPIError');
  assert.deepEqual(a.calls.map((c) => new URL(c.url).pathname), ['/h5/config.json']);
});

test('jweixin: a failed config is reported, and the retry waits for its own answer', async () => {
  const a = api('oa');
  const bridge = fakeBridge(['bad', 'ok'], okString);
  const wx = fakeJweixin(bridge);
  const A = load({ fetch: a.fetch, globals: { wx, WeixinJSBridge: bridge } });
  await assert.rejects(A.chooseInvoices({ apiBase: 'https://bx.example.com', import: true }), (e) => {
    assert.equal(e.code, 'signature');
    assert.match(e.message, /config:invalid signature/);
    assert.equal(e.wechat.errMsg, 'config:invalid signature');
    return true;
  });
  assert.ok(!bridge.log.includes('chooseInvoice'), 'chooseInvoice before the config answer');
  // The retry: jweixin now runs wx.ready at once; the helper asks the client.
  const r = await A.chooseInvoices({ import: true });
  assert.deepEqual(r.items, [item]);
  assert.deepEqual(r.imported, [{ id: 'inv_pX' }]);
  assert.deepEqual(bridge.log, ['preVerifyJSAPI', 'preVerifyJSAPI', 'preVerifyJSAPI', 'chooseInvoice']);
  for (const c of a.calls) {
    assert.ok(c.url.startsWith('https://bx.example.com/'), c.url);
    assert.equal(c.credentials, 'include');
  }
  const signURL = a.calls.find((c) => c.url.includes('/jsapi/config')).url;
  assert.equal(new URL(signURL).searchParams.get('url'), PAGE);
});

test('jweixin on WeCom: agentConfig goes through wx.invoke with the agent signature', async () => {
  const a = api('work');
  const bridge = fakeBridge(['ok'], { errMsg: 'choose_invoice:ok', errCode: 0, choose_invoice_info: [item] });
  const calls = [];
  const inv = bridge.invoke;
  bridge.invoke = (name, p, cb) => { calls.push([name, p]); inv(name, p, cb); };
  const A = load({ ua: WECOM_UA, fetch: a.fetch, globals: { wx: fakeJweixin(bridge), WeixinJSBridge: bridge } });
  const r = await A.chooseInvoices();
  assert.deepEqual(r, { items: [item] });
  const agent = calls.find((c) => c[0] === 'agentConfig')[1];
  assert.deepEqual([agent.corpid, agent.agentid, agent.timestamp, agent.nonceStr, agent.signature, agent.jsApiList],
    ['wwC', '1000002', '1700000001', 'n2', 'sig2', ['chooseInvoice']]);
  const choose = calls.find((c) => c[0] === 'chooseInvoice')[1];
  assert.equal(choose.timestamp, 1700000009); // WeCom documents a number
  assert.equal(choose.cardSign, 'cardsig');
});

test('chooseInvoice failures keep WeChat\'s code and description; only a signature is called one', async () => {
  for (const [answer, code, parts] of [
    [{ err_msg: 'choose_invoice:fail', err_code: 12345, err_desc: 'busy' }, 'wechat', ['choose_invoice:fail', '12345', 'busy']],
    [{ err_msg: 'chooseInvoice:fail_permission denied' }, 'permission', ['permission denied']],
    [{ err_msg: 'choose_invoice:cancel' }, 'cancelled', []],
    [{ err_msg: 'chooseInvoice:fail_function not exist' }, 'unsupported', []],
  ]) {
    const bridge = fakeBridge(['ok'], answer);
    const A = load({ fetch: api('oa').fetch, globals: { wx: fakeJweixin(bridge), WeixinJSBridge: bridge } });
    await assert.rejects(A.chooseInvoices(), (e) => {
      assert.equal(e.code, code, JSON.stringify(answer));
      for (const p of parts) assert.ok(e.message.includes(p), e.message + ' lacks ' + p);
      return true;
    });
  }
});

test('@wecom/jssdk: register with both signature functions, then ww.chooseInvoice', async () => {
  const a = api('work');
  let reg = null;
  const ww = {
    register(o) { reg = o; },
    async ensureConfigReady() {
      const s = await reg.getAgentConfigSignature(PAGE);
      if (s.signature !== 'sig2') throw { errMsg: 'agentConfig:invalid signature', errCode: -1 };
      return {};
    },
    async chooseInvoice(p) {
      assert.equal(typeof p.success, 'undefined'); // the promise, not callbacks
      assert.equal(p.timestamp, 1700000009);
      return { errMsg: 'chooseInvoice:ok', errCode: 0, choose_invoice_info: [item] };
    },
  };
  const A = load({ ua: WECOM_UA, fetch: a.fetch, globals: { ww, WeixinJSBridge: { invoke() {} } } });
  const r = await A.chooseInvoices();
  assert.deepEqual(r.items, [item]);
  assert.deepEqual([reg.corpId, reg.agentId, reg.jsApiList], ['wwC', '1000002', ['chooseInvoice']]);
  assert.deepEqual(await reg.getConfigSignature(PAGE), { timestamp: 1700000000, nonceStr: 'n1', signature: 'sig1' });
  // Another URL (the SPA moved): signed afresh.
  await reg.getConfigSignature('https://portal.example.com/other');
  assert.ok(a.calls.some((c) => c.url.includes(encodeURIComponent('https://portal.example.com/other'))));
});

test('@wecom/jssdk: a failed register is a signature failure with WeChat\'s words; cancel rejects', async () => {
  const ww = {
    register() {},
    async ensureConfigReady() { throw { errMsg: 'agentConfig:invalid signature', errCode: -1 }; },
    async chooseInvoice() { throw { errMsg: 'chooseInvoice:cancel', errCode: 1 }; },
  };
  let A = load({ ua: WECOM_UA, fetch: api('work').fetch, globals: { ww, WeixinJSBridge: {} } });
  await assert.rejects(A.chooseInvoices(), (e) => e.code === 'signature' && e.message.includes('agentConfig:invalid signature'));
  ww.ensureConfigReady = async () => ({});
  A = load({ ua: WECOM_UA, fetch: api('work').fetch, globals: { ww, WeixinJSBridge: {} } });
  await assert.rejects(A.chooseInvoices(), (e) => e.code === 'cancelled');
});

test('an expired session is "auth"; import failures are described', async () => {
  const a = api('oa', { '/api/v1/jsapi/config': async () => ({ ok: false, status: 401, statusText: '', text: async () => '{"error":{"code":"auth.required","message":"sign in"}}' }) });
  const bridge = fakeBridge(['ok'], okString);
  const A = load({ fetch: a.fetch, globals: { wx: fakeJweixin(bridge), WeixinJSBridge: bridge } });
  await assert.rejects(A.chooseInvoices(), (e) => e.code === 'auth' && e.apiError.code === 'auth.required');
  const line = A.describeFailure({ error: { code: 'invoice.duplicate', message: 'already imported', details: { imported_by: 'Li', report_number: 'BX-1' } } });
  for (const p of ['already imported', 'Li', 'BX-1', '[invoice.duplicate]']) assert.ok(line.includes(p), line);
});

test('the ES module exports the same object', async () => {
  load({ fetch: api('oa').fetch });
  const m = await import(path.join(__dirname, '..', 'baoxiao-jsapi.mjs'));
  assert.equal(typeof m.default.chooseInvoices, 'function');
  assert.equal(m.chooseInvoices, m.default.chooseInvoices);
});
