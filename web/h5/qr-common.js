/*
 * qr-common.js: labels of the PC QR import pages (pc-import, qr-import),
 * kept here so common.js's table stays the other pages'. Exposed as QRX.
 */
(function (global) {
  'use strict';

  const zh = /^zh/i.test(navigator.language || 'zh');
  const L = {
    title: ['扫码导入发票', 'Import invoices by QR code'],
    pc_intro: ['用手机微信或企业微信扫描二维码，在手机上选择发票；导入的发票会立即显示在这里。二维码 5 分钟内有效，只能使用一次。',
      'Scan the QR code with WeChat or WeCom on your phone and pick invoices there; they appear here as soon as they are imported. The code is valid for 5 minutes, once.'],
    phone_intro: ['从微信卡包选择发票，导入后会显示在电脑上。', 'Pick invoices from your card wallet; they will show on the PC.'],
    new_qr: ['生成二维码', 'Show a QR code'],
    again: ['重新生成二维码', 'Show a new QR code'],
    pick: ['从卡包选择发票', 'Pick invoices from the card wallet'],
    st_pending: ['等待扫码…（{0} 后过期）', 'Waiting for a scan… (expires in {0})'],
    st_claimed: ['{0} 已扫码，请在手机上选择发票', '{0} scanned the code; pick invoices on the phone'],
    st_importing: ['正在导入…', 'Importing…'],
    st_done: ['导入完成：{0} 张发票', 'Done: {0} invoice(s) imported'],
    st_expired: ['二维码已过期，请重新生成', 'The QR code has expired; show a new one'],
    phone_ready: ['已连接电脑，请选择要导入的发票', 'Connected to the PC: pick the invoices to import'],
    phone_done: ['已导入 {0} 张发票，电脑上已显示', '{0} invoice(s) imported; they show on the PC'],
    phone_failed: ['{0} 张导入失败', '{0} invoice(s) failed'],
    no_token: ['链接不完整，请重新扫描电脑上的二维码', 'The link is incomplete: scan the QR code on the PC again'],
    'qr.expired': ['二维码已过期，请在电脑上重新生成后再扫码', 'This QR code has expired: show a new one on the PC and scan again'],
    'qr.used': ['二维码已被使用，请在电脑上重新生成后再扫码', 'This QR code has already been used: show a new one on the PC and scan again'],
  };

  function t(key) {
    const pair = L[key];
    let s = pair ? pair[zh ? 0 : 1] : key;
    for (let i = 1; i < arguments.length; i++) s = s.split('{' + (i - 1) + '}').join(String(arguments[i]));
    return s;
  }

  // errorBox shows our clear text for the session's own errors, else the
  // common rendering.
  function errorBox(err, onRetry) {
    if (err && L[err.code]) {
      return BX.el('div', { class: 'error', role: 'alert', dataset: { code: err.code } }, BX.el('span', { class: 'error-text' }, t(err.code)));
    }
    const box = BX.errorBox(err, onRetry);
    if (err && err.code) box.dataset.code = err.code;
    return box;
  }

  global.QRX = { t: t, errorBox: errorBox };
})(window);
