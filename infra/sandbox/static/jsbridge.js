/*
 * baoxiao WeChat sandbox: a stand-in for the WeChat / WeCom client's
 * WeixinJSBridge, the native side both JS-SDKs (jweixin, @wecom/jssdk)
 * talk to. It answers as the clients do:
 *
 *   preVerifyJSAPI  (wx.config)   checked by the sandbox against the jsapi
 *                                 tickets it issued
 *   agentConfig                   the same with the agent_config ticket
 *   chooseInvoice                 refused unless a config listing it
 *                                 succeeded; else the sandbox wallet
 *                                 picker, which checks cardSign
 *
 * WeChat answers in err_msg ("choose_invoice:ok"), WeCom (a wxwork user
 * agent, or a signed-in WeCom user) in errMsg/errCode; failures carry
 * err_code/err_desc. Tests play the client's failures through
 * WeixinJSBridge.__sandbox: script(name, answer) answers the next call of
 * name, stick(name, answer) every call until clear(name); calls lists the
 * names invoked. window.__sandboxBridge = {stick: {name: answer}} set
 * before the bridge loads sticks from the start. Served alone as
 * /jsbridge.js (beside a real SDK: add ?late=ms to inject it late, as
 * slow clients do) and inside /jweixin.js. Plain ES2017, no dependencies.
 */
(function (global) {
  'use strict';

  if (global.WeixinJSBridge) { return; }

  var script = document.currentScript;
  var base = '__SANDBOX_BASE__';
  var late = 0;
  if (script && script.src) {
    var src = new URL(script.src, location.href);
    base = src.href.replace(/[?#].*$/, '').replace(/\/(jsbridge|jweixin)\.js$/, '');
    late = Number(src.searchParams.get('late')) || 0;
  }
  var baseOrigin = new URL(base, location.href).origin;
  var wecomUA = /wxwork/i.test(navigator.userAgent);

  var preset = global.__sandboxBridge || {};
  var state = { pending: 0, verified: null, agent: null, scripted: {}, sticky: Object.assign({}, preset.stick), calls: [], channel: '' };

  function pageURL() { return location.href.split('#')[0]; }

  function post(path, body) {
    // text/plain keeps the request simple (no CORS preflight).
    return fetch(base + path, {
      method: 'POST', mode: 'cors', credentials: 'omit',
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json(); });
  }

  function getCookie(name) {
    var m = document.cookie.match(new RegExp('(?:^|; )' + name + '=([^;]*)'));
    return m ? decodeURIComponent(m[1]) : '';
  }

  function me(url, credentials) {
    return fetch(url, { credentials: credentials, headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; });
  }

  // whoAmI is the user the client is signed in as: the page's own
  // backend says (/api/v1/me), or baoxiao's beside the embedded sandbox
  // for pages on another origin, else the cookie the sandbox OAuth page
  // sets.
  function whoAmI() {
    var fallback = { openid: getCookie('sandbox_user'), channel: getCookie('sandbox_channel') };
    return me('/api/v1/me', 'same-origin').then(function (m) {
      if (m && m.openid) { return m; }
      if (baseOrigin === location.origin) { return null; }
      return me(baseOrigin + '/api/v1/me', 'include');
    }).then(function (m) {
      var who = m && m.openid ? { openid: m.openid, channel: m.channel || fallback.channel } : fallback;
      state.channel = who.channel || state.channel;
      return who;
    });
  }

  function later(cb, res) { setTimeout(function () { cb(res); }, 0); }

  function listed(v, name) { return !!v && Array.isArray(v.list) && v.list.indexOf(name) >= 0; }

  // answer is the client's reply in its own style (see above).
  function answer(name, kw, extra) {
    var res = {};
    if (wecomUA || state.channel === 'work') {
      res.errMsg = (name === 'preVerifyJSAPI' ? 'config' : name) + ':' + kw;
      res.errCode = kw === 'ok' ? 0 : -1;
    } else {
      res.err_msg = name + ':' + kw;
    }
    return Object.assign(res, extra || {});
  }

  function verify(path, body, name, cb, onOK) {
    state.pending++;
    post(path, body).then(function (r) {
      state.pending--;
      if (r && r.ok) {
        onOK();
        cb(answer(name, 'ok'));
        return;
      }
      // The sandbox explains a refused signature (what it expected); the
      // client only says "invalid signature".
      if (r && r.detail && global.console) { global.console.warn('[sandbox WeixinJSBridge] ' + name + ': ' + r.detail); }
      var kw = String((r && r.errMsg) || 'fail').replace(/^[^:]*:/, '').replace(/^fail, /, '');
      cb(answer(name, kw === 'ok' ? 'fail' : kw));
    }).catch(function (e) {
      state.pending--;
      cb(answer(name, 'fail', { err_desc: String(e) }));
    });
  }

  // openPicker shows the wallet picker and resolves with its message:
  // {status: 'ok'|'cancel'|'fail', items, format, errMsg}.
  function openPicker(params) {
    return whoAmI().then(function (who) {
      var channel = who.channel || (state.agent ? 'work' : 'oa');
      var appid = params.appId || (state.agent && channel === 'work' ? state.agent.appId : state.verified && state.verified.appId);
      var q = new URLSearchParams({
        appid: appid || '', timestamp: String(params.timestamp), nonceStr: params.nonceStr || '',
        signType: params.signType || '', cardSign: params.cardSign || '',
        openid: who.openid || '', channel: channel
      });
      return new Promise(function (resolve) {
        var overlay = document.createElement('div');
        overlay.id = 'sandbox-invoice-overlay';
        overlay.style.cssText = 'position:fixed;left:0;top:0;width:100%;height:100%;z-index:2147483647;background:rgba(0,0,0,.45)';
        var frame = document.createElement('iframe');
        frame.id = 'sandbox-invoice-frame';
        frame.title = '微信卡包发票';
        frame.style.cssText = 'border:0;width:100%;height:100%;background:transparent';
        frame.src = base + '/_js/choose-invoice?' + q.toString();
        overlay.appendChild(frame);
        function onMessage(e) {
          if (e.origin !== baseOrigin || !e.data || e.data.source !== 'baoxiao-sandbox-picker') { return; }
          global.removeEventListener('message', onMessage);
          overlay.remove();
          resolve({ channel: channel, msg: e.data });
        }
        global.addEventListener('message', onMessage);
        document.body.appendChild(overlay);
      });
    });
  }

  function items(msg) {
    return (msg.items || []).map(function (i) { return { card_id: i.card_id, encrypt_code: i.encrypt_code, app_id: i.app_id }; });
  }

  // chooseResult: WeChat gives choose_invoice_info as a JSON string (an
  // array with the sandbox's switch), WeCom as an array.
  function chooseResult(channel, msg) {
    if (msg.status === 'ok') {
      var list = items(msg);
      return answer('choose_invoice', 'ok', { choose_invoice_info: channel === 'work' || msg.format === 'array' ? list : JSON.stringify(list) });
    }
    if (msg.status === 'cancel') { return answer('choose_invoice', 'cancel'); }
    return answer('choose_invoice', 'fail', { err_desc: msg.errMsg || '' });
  }

  function chooseInvoice(params, cb) {
    if (state.pending > 0 && !listed(state.verified, 'chooseInvoice') && !listed(state.agent, 'chooseInvoice')) {
      later(cb, answer('chooseInvoice', 'fail_the permission value is offline verifying'));
      return;
    }
    if (!listed(state.verified, 'chooseInvoice') && !listed(state.agent, 'chooseInvoice')) {
      later(cb, answer('chooseInvoice', 'fail_permission denied'));
      return;
    }
    openPicker(params).then(function (r) { cb(chooseResult(r.channel, r.msg)); });
  }

  var bridge = {
    invoke: function (name, params, cb) {
      params = params || {};
      cb = typeof cb === 'function' ? cb : function () {};
      state.calls.push(name);
      var queue = state.scripted[name];
      if (queue && queue.length) {
        later(cb, queue.shift());
        return;
      }
      if (state.sticky[name]) {
        later(cb, Object.assign({}, state.sticky[name]));
        return;
      }
      switch (name) {
        case 'preVerifyJSAPI':
          state.verified = null;
          verify('/_js/verify-config', {
            appId: params.verifyAppId || params.appId, timestamp: String(params.verifyTimestamp),
            nonceStr: params.verifyNonceStr, signature: params.verifySignature, url: pageURL(),
            jsApiList: params.verifyJsApiList || []
          }, 'preVerifyJSAPI', cb, function () {
            state.verified = { appId: params.verifyAppId || params.appId, list: params.verifyJsApiList || [] };
          });
          return;
        case 'agentConfig':
          state.agent = null;
          verify('/_js/verify-agent-config', {
            corpid: params.corpid, agentid: String(params.agentid), timestamp: String(params.timestamp),
            nonceStr: params.nonceStr, signature: params.signature, url: pageURL(), jsApiList: params.jsApiList || []
          }, 'agentConfig', cb, function () {
            state.agent = { appId: params.corpid, list: params.jsApiList || [] };
          });
          return;
        case 'chooseInvoice':
          chooseInvoice(params, cb);
          return;
        case 'checkJsApi':
          var result = {};
          (params.jsApiList || []).forEach(function (n) { result[n] = n === 'chooseInvoice' || n === 'agentConfig'; });
          later(cb, answer('checkJsApi', 'ok', { checkResult: result }));
          return;
        case 'getNetworkType':
          later(cb, answer('network_type', 'wifi', { subtype: 'wifi' }));
          return;
      }
      later(cb, answer(name, 'fail_function not exist'));
    },
    on: function () {},
    __sandbox: {
      base: base,
      state: state,
      // script queues a canned answer for the next call of name.
      script: function (name, res) { (state.scripted[name] = state.scripted[name] || []).push(res); },
      stick: function (name, res) { state.sticky[name] = res; },
      clear: function (name) { delete state.sticky[name]; }
    }
  };

  function install() {
    global.WeixinJSBridge = bridge;
    document.dispatchEvent(new Event('WeixinJSBridgeReady'));
  }
  if (late > 0) { setTimeout(install, late); } else { install(); }
})(window);
