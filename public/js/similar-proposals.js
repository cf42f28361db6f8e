// 似ている提案: while the title of a proposal is typed, lists up to five earlier proposals that look
// similar, so the proposer sees what exists before proposing the same thing. Loaded by
// views/proposals/form.hbs; the form works the same without it.
(function () {
  'use strict';

  var DELAY_MS = 300;
  var MIN_CHARS = 3;

  var input = document.getElementById('title');
  var region = document.getElementById('similar-proposals');
  if (!input || !region || !window.fetch) return;

  var exclude = region.getAttribute('data-exclude');
  var timer = null;
  var inFlight = null;
  var lastQuery = null;
  // what the region shows now, so an unchanged answer is not announced again
  var shownKey = '';

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text) el.textContent = text;
    return el;
  }

  function show(items) {
    var key = items.map(function (item) { return item.id; }).join(',');
    if (key === shownKey) return;
    shownKey = key;
    region.textContent = '';
    if (!items.length) return;

    var title = element('p', 'similar-live__title', '似ている提案（' + items.length + '件）');
    title.id = 'similar-proposals-title';
    region.appendChild(title);
    region.appendChild(element('p', 'hint', '同じ内容の提案がすでにないか確かめてください。リンクは新しいタブで開きます（入力中の内容はそのままです）。'));
    var list = element('ul', 'similar__list');
    items.forEach(function (item) {
      var li = element('li');
      var link = element('a', null, (item.number ? item.number + ' ' : '') + item.title);
      link.href = '/proposals/' + encodeURIComponent(item.id);
      link.target = '_blank';
      link.rel = 'noopener';
      li.appendChild(link);
      li.appendChild(document.createTextNode(' '));
      li.appendChild(element('span', 'status status--' + item.status, item.statusLabel));
      if (item.decisionLabel) {
        li.appendChild(document.createTextNode(' '));
        li.appendChild(element('span', 'badge', item.decisionLabel));
      }
      list.appendChild(li);
    });
    region.appendChild(list);
  }

  function search() {
    var query = input.value.trim();
    if (query === lastQuery) return;
    lastQuery = query;
    if (inFlight) inFlight.abort();
    inFlight = null;
    if (Array.from(query).length < MIN_CHARS) {
      show([]);
      return;
    }

    var controller = window.AbortController ? new AbortController() : null;
    inFlight = controller;
    var url = '/proposals/similar?q=' + encodeURIComponent(query) + (exclude ? '&exclude=' + encodeURIComponent(exclude) : '');
    fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin', signal: controller ? controller.signal : undefined })
      .then(function (res) {
        // a signed-out session answers with the login page: leave the list as it is
        var type = res.headers.get('Content-Type') || '';
        if (!res.ok || type.indexOf('application/json') !== 0) return null;
        return res.json();
      })
      .then(function (items) {
        if (controller !== inFlight || !Array.isArray(items)) return;
        inFlight = null;
        show(items.slice(0, 5));
      })
      .catch(function () {
        // aborted by a newer keystroke, or offline: the list is only a help, the form still works
        if (controller === inFlight) lastQuery = null;
      });
  }

  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(search, DELAY_MS);
  });
  // an edit form, or a form shown again after a refused submission, already has a title
  if (input.value.trim()) search();
})();
