/*
 * baoxiao WeChat sandbox: a stand-in for WeChat's jweixin 1.6.0, on top
 * of the WeixinJSBridge stand-in (jsbridge.js, served before this).
 *
 * It behaves as jweixin 1.6.0 does where pages can see it (DECISIONS 15):
 * wx.config sends preVerifyJSAPI once the bridge is ready; when the
 * answer comes, wx.error gets a failure first, then wx.ready runs, failed
 * or not; after that wx.ready runs at once, even for a later wx.config
 * still waiting for its answer. wx.error keeps one handler. wx.invoke
 * exists once wx.config was called and adds the config's verify fields.
 * wx has no agentConfig or chooseInvoice method and there is no ww global: WeCom's
 * agentConfig and chooseInvoice go through wx.invoke, or @wecom/jssdk.
 * Unlike jweixin it runs outside a WeChat user agent: the sandbox is used
 * from desktop browsers. Plain ES2017, no dependencies.
 */
(function (global) {
  'use strict';

  if (global.jWeixin) { return; }

  var v = {};
  var configState = 0; // 0 not configured, 1 answered, -1 failed with no wx.error
  var configData = {};
  var completes = [];
  var failFn = null;

  function whenBridge(fn) {
    if (global.WeixinJSBridge) { fn(); } else { document.addEventListener('WeixinJSBridgeReady', fn, false); }
  }

  function withVerify(p) {
    p = p || {};
    p.appId = v.appId;
    p.verifyAppId = v.appId;
    p.verifySignType = 'sha1';
    p.verifyTimestamp = v.timestamp + '';
    p.verifyNonceStr = v.nonceStr;
    p.verifySignature = v.signature;
    return p;
  }

  // errMsgOf is "config:<keyword>" the way jweixin words an answer.
  function errMsgOf(res) {
    if (res.errMsg) { return res.errMsg; }
    var m = String(res.err_msg || '');
    var kw = m.indexOf(':') >= 0 ? m.slice(m.indexOf(':') + 1) : 'ok';
    if (kw === 'confirm') { kw = 'ok'; }
    if (kw === 'failed') { kw = 'fail'; }
    if (kw.indexOf('failed_') >= 0) { kw = kw.slice(7); }
    if (kw.indexOf('fail_') >= 0) { kw = kw.slice(5); }
    kw = kw.replace(/_/g, ' ').toLowerCase();
    if (kw === 'access denied' || kw === 'no permission to execute') { kw = 'permission denied'; }
    if (kw === 'function not exist') { kw = 'ok'; } // jweixin's rule for config
    return 'config:' + (kw || 'fail');
  }

  var wx = {};

  wx.config = function (cfg) {
    v = cfg || {};
    var check = v.check !== false;
    whenBridge(function () {
      var mine = completes;
      function complete() {
        for (var i = 0; i < mine.length; i++) { mine[i](); }
        completes = [];
      }
      if (!check) {
        configState = 1;
        complete();
        return;
      }
      global.WeixinJSBridge.invoke('preVerifyJSAPI', withVerify({
        verifyJsApiList: v.jsApiList || [], verifyOpenTagList: v.openTagList || []
      }), function (res) {
        var out = { errMsg: errMsgOf(res || {}) };
        configState = 1;
        configData = out;
        if (out.errMsg !== 'config:ok') {
          if (failFn) { failFn(out); } else { configState = -1; }
        }
        complete();
      });
    });
    if (!wx.invoke) {
      wx.invoke = function (name, params, cb) {
        if (global.WeixinJSBridge) { global.WeixinJSBridge.invoke(name, withVerify(params), cb); }
      };
      wx.on = function (name, cb) {
        if (global.WeixinJSBridge) { global.WeixinJSBridge.on(name, cb); }
      };
    }
  };

  wx.ready = function (fn) {
    if (configState !== 0) { fn(); } else { completes.push(fn); }
  };

  wx.error = function (fn) {
    if (configState === -1) { fn(configData); } else { failFn = fn; }
  };

  wx.checkJsApi = function (opts) {
    opts = opts || {};
    whenBridge(function () {
      global.WeixinJSBridge.invoke('checkJsApi', withVerify({ jsApiList: opts.jsApiList || [] }), function (res) {
        res.errMsg = 'checkJsApi:ok';
        if (typeof opts.success === 'function') { opts.success(res); }
        if (typeof opts.complete === 'function') { opts.complete(res); }
      });
    });
  };

  wx.__sandbox = { bridge: global.WeixinJSBridge && global.WeixinJSBridge.__sandbox };
  global.wx = global.jWeixin = wx;
})(window);
