/* The sandbox's demo phone (GET /_phone): pick a demo person, see the
 * WeCom app messages and OA template messages delivered to them, newest
 * first, refreshed every 2 s; a card's callback button is clicked through
 * POST /_control/cards/click, as the member tapping it in WeCom. The base
 * is where this script was served from (the sandbox may be mounted under
 * /sandbox). */
(function () {
  'use strict';
  var POLL_MS = 2000;
  var base = document.currentScript.src.replace(/\/_phone\.js(\?.*)?$/, '');
  var people = [];
  var current = null;
  var shownKey = '';
  var timer = 0;

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'dataset') Object.assign(e.dataset, attrs[k]);
      else e.setAttribute(k, attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) {
      if (arguments[i] != null) e.append(arguments[i]);
    }
    return e;
  }

  function api(path, opts) {
    return fetch(base + path, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) throw new Error(body.error || ('HTTP ' + r.status));
        return body;
      });
    });
  }

  function showError(e) { $('phone-error').textContent = e ? String(e.message || e) : ''; }

  // A person is one employee with their OA openid and WeCom userid:
  // messages are delivered to either.
  function loadPeople() {
    return api('/_control/users').then(function (data) {
      var byID = {};
      (data.items || []).forEach(function (u) {
        var id = u.employee_id || u.userid || u.openid;
        var p = byID[id];
        if (!p) {
          p = byID[id] = { id: id, name: u.name, department: u.department, ids: [], userid: '' };
          people.push(p);
        }
        if (u.channel === 'work') {
          if (u.userid) { p.userid = u.userid; p.ids.push(u.userid); }
        } else if (u.openid) {
          p.ids.push(u.openid);
        }
      });
      var sel = $('phone-user');
      people.forEach(function (p) {
        sel.append(el('option', { value: p.id, text: p.name + (p.department ? '（' + p.department + '）' : '') }));
      });
    });
  }

  function choose(id) {
    current = people.filter(function (p) { return p.id === id; })[0] || null;
    $('phone-user').value = current ? current.id : '';
    var q = new URLSearchParams(location.search);
    if (current) q.set('user', current.id); else q.delete('user');
    history.replaceState(null, '', location.pathname + (q.toString() ? '?' + q : ''));
    shownKey = '';
    refresh();
  }

  function refresh() {
    clearTimeout(timer);
    if (!current) {
      $('phone-messages').textContent = '';
      return;
    }
    var who = current;
    api('/_control/messages').then(function (data) {
      if (who !== current) return;
      showError(null);
      var mine = (data.items || []).filter(function (m) { return who.ids.indexOf(m.to) >= 0; });
      var key = JSON.stringify(mine);
      if (key !== shownKey) {
        shownKey = key;
        render(mine);
      }
    }).catch(showError).then(function () {
      timer = setTimeout(refresh, POLL_MS);
    });
  }

  function when(at) {
    var d = new Date(at);
    return isNaN(d) ? '' : d.toLocaleString('zh-CN', { hour12: false });
  }

  function link(url, text) {
    return url ? el('a', { href: url, target: '_blank', rel: 'noopener', text: text }) : null;
  }

  // render shows the messages newest first; a card update is shown on its
  // card, not as a message of its own.
  function render(mine) {
    var decided = {};
    mine.forEach(function (m) {
      if (m.msgtype === 'update_template_card' && m.body) {
        decided[m.body.task_id] = (m.body.button && m.body.button.replace_name) || '已更新';
      }
    });
    var list = mine.filter(function (m) { return m.msgtype !== 'update_template_card'; }).reverse();
    var box = $('phone-messages');
    box.textContent = '';
    if (!list.length) {
      box.append(el('p', { class: 'note', id: 'phone-empty', text: '还没有消息。' }));
      return;
    }
    list.forEach(function (m) { box.append(message(m, decided)); });
  }

  function message(m, decided) {
    var b = m.body || {};
    var via = m.channel === 'work' ? '企业微信 · 应用消息' : '公众号 · 模板消息';
    var art = el('article', { class: 'msg', dataset: { channel: m.channel, msgtype: m.msgtype } },
      el('div', { class: 'via' }, el('span', { text: via }), el('time', { text: when(m.at) })));
    switch (m.msgtype) {
      case 'text':
        art.append(el('p', { text: b.content || '' }));
        break;
      case 'textcard':
        art.append(el('h3', { text: b.title || '' }), el('p', { text: plain(b.description) }),
          el('div', { class: 'btns' }, link(b.url, b.btntxt || '详情')));
        break;
      case 'template_card':
        art.dataset.taskId = b.task_id || '';
        art.append(card(b, decided[b.task_id]));
        break;
      case 'template':
        art.append(template(b));
        break;
      default:
        art.append(el('p', { text: JSON.stringify(b) }));
    }
    return art;
  }

  // plain drops the markup a textcard description may carry.
  function plain(html) {
    var d = document.createElement('div');
    d.innerHTML = String(html || '').replace(/<script[\s\S]*?<\/script>/gi, '');
    return d.textContent;
  }

  function card(b, done) {
    var main = b.main_title || {};
    var frag = document.createDocumentFragment();
    frag.append(el('h3', { text: main.title || '' }));
    if (main.desc) frag.append(el('p', { text: main.desc }));
    if (b.sub_title_text) frag.append(el('p', { text: b.sub_title_text }));
    if (b.horizontal_content_list && b.horizontal_content_list.length) {
      frag.append(el('ul', { class: 'rows' }, ...b.horizontal_content_list.map(function (r) {
        return el('li', { text: (r.keyname || '') + '：' + (r.value || '') });
      })));
    }
    if (done) {
      frag.append(el('p', { class: 'decided', dataset: { decided: done }, text: done }));
      return frag;
    }
    var btns = el('div', { class: 'btns' });
    (b.button_list || []).forEach(function (btn) {
      if (btn.type === 1) {
        btns.append(link(btn.url, btn.text));
        return;
      }
      var e = el('button', { type: 'button', class: 'card-btn' + (btn.style === 1 ? ' primary' : ''), dataset: { key: btn.key || '' }, text: btn.text || '' });
      e.addEventListener('click', function () { click(b.task_id, btn.key || '', e); });
      btns.append(e);
    });
    frag.append(btns);
    return frag;
  }

  function template(b) {
    var data = b.data || {};
    var keys = Object.keys(data).sort();
    var frag = document.createDocumentFragment();
    frag.append(el('h3', { text: data.thing1 || b.template_id || '' }));
    frag.append(el('ul', { class: 'rows' }, ...keys.filter(function (k) { return k !== 'thing1'; }).map(function (k) {
      return el('li', { text: data[k] });
    })));
    var a = link(b.url, '详情');
    if (a) frag.append(el('div', { class: 'btns' }, a));
    return frag;
  }

  // click is the member tapping a card button: the sandbox pushes the
  // encrypted template_card_event to the app and answers once the app has.
  function click(taskID, key, btn) {
    if (!current || !current.userid) return;
    btn.disabled = true;
    api('/_control/cards/click', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userid: current.userid, task_id: taskID, key: key }),
    }).then(function (r) {
      showError(r.http_status === 200 ? null : '应用回调失败：' + (r.error || ('HTTP ' + r.http_status)));
    }).catch(function (e) {
      btn.disabled = false;
      showError(e);
    }).then(refresh);
  }

  $('phone-user').addEventListener('change', function (e) { choose(e.target.value); });
  loadPeople().then(function () {
    choose(new URLSearchParams(location.search).get('user') || '');
  }).catch(showError);
})();
