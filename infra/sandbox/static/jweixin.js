/*
 * baoxiao WeChat sandbox: a stand-in for WeChat's jweixin (JS-SDK).
 *
 * Same API surface as the calls baoxiao uses: wx.config, wx.ready,
 * wx.error, wx.checkJsApi, wx.agentConfig, wx.invoke('chooseInvoice'),
 * wx.chooseInvoice, and the WeCom alias ww (ww.chooseInvoice). wx.config
 * and wx.agentConfig verify their signatures with the sandbox, which
 * recomputes them with the tickets it issued. chooseInvoice opens the
 * sandbox wallet picker in a full-screen iframe; the picker checks
 * cardSign. Plain ES2017, no dependencies.
 */
(function (global) {
  'use strict';

  var script = document.currentScript;
  var base = '__SANDBOX_BASE__';
  if (script && script.src) {
    base = script.src.replace(/[?#].*$/, '').replace(/\/jweixin\.js$/, '');
  }
  var baseOrigin = new URL(base, location.href).origin;

  var state = {
    config: null, configDone: false, configOK: false, configErr: null,
    agent: null, agentOK: false,
    readyFns: [], errorFns: []
  };

  function log() {
    if (state.config && state.config.debug && global.console) {
      global.console.log.apply(global.console, ['[sandbox jweixin]'].concat([].slice.call(arguments)));
    }
  }

  function pageURL() { return location.href.split('#')[0]; }

  function post(path, body) {
    // text/plain keeps the request simple (no CORS preflight).
    return fetch(base + path, {
      method: 'POST', mode: 'cors', credentials: 'omit',
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json(); });
  }

  function later(fn, arg) { setTimeout(function () { fn(arg); }, 0); }

  function call(opts, name, res) {
    if (opts && typeof opts[name] === 'function') { opts[name](res); }
    if (opts && typeof opts.complete === 'function' && name !== 'complete') { opts.complete(res); }
  }

  function hasApi(list, name) { return Array.isArray(list) && list.indexOf(name) >= 0; }

  function getCookie(name) {
    var m = document.cookie.match(new RegExp('(?:^|; )' + name + '=([^;]*)'));
    return m ? decodeURIComponent(m[1]) : '';
  }

  // whoAmI asks the page's own backend who is signed in, falling back to
  // the cookie the sandbox OAuth page sets.
  function whoAmI() {
    var fallback = { openid: getCookie('sandbox_user'), channel: getCookie('sandbox_channel') };
    return fetch('/api/v1/me', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (me) {
        if (me && me.openid) { return { openid: me.openid, channel: me.channel || fallback.channel }; }
        return fallback;
      })
      .catch(function () { return fallback; });
  }

  var wx = {};

  wx.config = function (cfg) {
    cfg = cfg || {};
    state.config = cfg;
    state.configDone = false;
    state.configOK = false;
    state.configErr = null;
    post('/_js/verify-config', {
      appId: cfg.appId, timestamp: String(cfg.timestamp), nonceStr: cfg.nonceStr,
      signature: cfg.signature, url: pageURL(), jsApiList: cfg.jsApiList || []
    }).then(function (r) {
      state.configDone = true;
      if (r && r.ok) {
        state.configOK = true;
        log('config:ok');
        state.readyFns.splice(0).forEach(function (fn) { later(fn); });
      } else {
        state.configErr = { errMsg: (r && r.errMsg) || 'config:fail', detail: r && r.detail };
        log(state.configErr.errMsg, state.configErr.detail || '');
        state.errorFns.forEach(function (fn) { later(fn, state.configErr); });
      }
    }).catch(function (e) {
      state.configDone = true;
      state.configErr = { errMsg: 'config:fail ' + e };
      state.errorFns.forEach(function (fn) { later(fn, state.configErr); });
    });
  };

  wx.ready = function (fn) {
    if (typeof fn !== 'function') { return; }
    if (state.configOK) { later(fn); } else { state.readyFns.push(fn); }
  };

  wx.error = function (fn) {
    if (typeof fn !== 'function') { return; }
    state.errorFns.push(fn);
    if (state.configDone && state.configErr) { later(fn, state.configErr); }
  };

  wx.checkJsApi = function (opts) {
    opts = opts || {};
    var result = {};
    (opts.jsApiList || []).forEach(function (name) {
      result[name] = name === 'chooseInvoice' || name === 'checkJsApi' || name === 'agentConfig';
    });
    later(function () { call(opts, 'success', { checkResult: result, errMsg: 'checkJsApi:ok' }); });
  };

  wx.agentConfig = function (cfg) {
    cfg = cfg || {};
    state.agent = cfg;
    state.agentOK = false;
    post('/_js/verify-agent-config', {
      corpid: cfg.corpid, agentid: String(cfg.agentid), timestamp: String(cfg.timestamp),
      nonceStr: cfg.nonceStr, signature: cfg.signature, url: pageURL(), jsApiList: cfg.jsApiList || []
    }).then(function (r) {
      if (r && r.ok) {
        state.agentOK = true;
        call(cfg, 'success', { errMsg: 'agentConfig:ok' });
      } else {
        call(cfg, 'fail', { errMsg: (r && r.errMsg) || 'agentConfig:fail', detail: r && r.detail });
      }
    }).catch(function (e) { call(cfg, 'fail', { errMsg: 'agentConfig:fail ' + e }); });
  };

  // openPicker shows the wallet picker and resolves with its message:
  // {status: 'ok'|'cancel'|'fail', items, format, errMsg}.
  function openPicker(api, params) {
    return whoAmI().then(function (me) {
      var channel = me.channel || (api === 'ww' || state.agent ? 'work' : 'oa');
      var appid = channel === 'work'
        ? ((state.agent && state.agent.corpid) || (state.config && state.config.appId))
        : (state.config && state.config.appId);
      var q = new URLSearchParams({
        appid: appid || '', timestamp: String(params.timestamp), nonceStr: params.nonceStr || '',
        signType: params.signType || '', cardSign: params.cardSign || '',
        openid: me.openid || '', channel: channel
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

  function allowed(api) {
    if (!state.configOK) { return 'permission denied (wx.config has not succeeded)'; }
    var listed = hasApi(state.config.jsApiList, 'chooseInvoice') ||
      (state.agentOK && hasApi(state.agent.jsApiList, 'chooseInvoice'));
    return listed ? '' : 'the permission value is offline verifying (chooseInvoice is not in jsApiList)';
  }

  function items(msg) { return (msg.items || []).map(function (i) { return { card_id: i.card_id, encrypt_code: i.encrypt_code, app_id: i.app_id }; }); }

  // oaResult is the Official Account shape: err_msg 'choose_invoice:…' and
  // choose_invoice_info as a JSON string (or an array with the switch).
  function oaResult(msg) {
    if (msg.status === 'ok') {
      var list = items(msg);
      return { err_msg: 'choose_invoice:ok', choose_invoice_info: msg.format === 'array' ? list : JSON.stringify(list) };
    }
    if (msg.status === 'cancel') { return { err_msg: 'choose_invoice:cancel' }; }
    return { err_msg: 'choose_invoice:fail', errMsg: 'choose_invoice:fail ' + (msg.errMsg || '') };
  }

  // workResult is the WeCom shape: errMsg 'chooseInvoice:…', errCode and
  // choose_invoice_info as an array.
  function workResult(msg) {
    if (msg.status === 'ok') { return { errMsg: 'chooseInvoice:ok', errCode: 0, choose_invoice_info: items(msg) }; }
    if (msg.status === 'cancel') { return { errMsg: 'chooseInvoice:cancel', errCode: 1 }; }
    return { errMsg: 'chooseInvoice:fail ' + (msg.errMsg || ''), errCode: -1 };
  }

  wx.invoke = function (name, params, cb) {
    cb = typeof cb === 'function' ? cb : function () {};
    if (name !== 'chooseInvoice') {
      later(cb, { err_msg: name + ':fail_not supported by the sandbox' });
      return;
    }
    var denied = allowed('wx');
    if (denied) {
      later(cb, { err_msg: 'choose_invoice:fail', errMsg: 'chooseInvoice:' + denied });
      return;
    }
    openPicker('wx', params || {}).then(function (r) {
      if (r.channel === 'work') {
        var w = workResult(r.msg);
        w.err_msg = w.errMsg; // old jweixin in WeCom reports both
        cb(w);
      } else {
        cb(oaResult(r.msg));
      }
    });
  };

  function chooseInvoiceWith(api) {
    return function (opts) {
      opts = opts || {};
      var denied = allowed(api);
      if (denied) {
        later(function () { call(opts, 'fail', { errMsg: 'chooseInvoice:' + denied, errCode: -1 }); });
        return;
      }
      openPicker(api, opts).then(function (r) {
        var res = r.channel === 'work' ? workResult(r.msg)
          : Object.assign({ errMsg: 'chooseInvoice:' + r.msg.status }, oaResult(r.msg));
        var cbName = r.msg.status === 'ok' ? 'success' : (r.msg.status === 'cancel' ? 'cancel' : 'fail');
        if (cbName === 'cancel' && typeof opts.cancel !== 'function') { cbName = 'fail'; }
        call(opts, cbName, res);
      });
    };
  }

  wx.chooseInvoice = chooseInvoiceWith('wx');

  var ww = Object.assign({}, wx, { chooseInvoice: chooseInvoiceWith('ww') });

  wx.__sandbox = { base: base, state: state };
  global.wx = global.jWeixin = wx;
  global.ww = ww;
})(window);
