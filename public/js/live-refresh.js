// 会場表示: reloads the live screen every few seconds so that the screen at a presentation event follows
// the judges without anyone touching it, with a button that stops and restarts it (a timed change the
// viewer can turn off, WCAG 2.2.1). Loaded by views/judging/live.hbs while a round is open; without
// JavaScript the 「最新の状態にする」 link reloads the page.
(function () {
  'use strict';

  var box = document.querySelector('[data-live-refresh]');
  if (!box) return;
  var seconds = Number(box.getAttribute('data-live-refresh')) || 10;
  var status = box.querySelector('[data-live-refresh-status]');
  var key = 'tane-live-refresh-paused';
  var remember = function (value) {
    try {
      window.sessionStorage.setItem(key, value ? '1' : '0');
    } catch (e) {
      // storage refused (private mode): the choice lasts until the next reload
    }
  };
  var paused = false;
  try {
    paused = window.sessionStorage.getItem(key) === '1';
  } catch (e) {
    paused = false;
  }

  var timer = null;
  var button = document.createElement('button');
  button.type = 'button';
  button.className = 'button button--small';
  var show = function () {
    button.textContent = paused ? '自動更新を再開する' : '自動更新を止める';
    if (status) status.textContent = paused ? '（自動更新を止めています）' : '（' + seconds + '秒ごとに自動で更新しています）';
  };
  var schedule = function () {
    window.clearTimeout(timer);
    if (!paused) timer = window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
  };
  button.addEventListener('click', function () {
    paused = !paused;
    remember(paused);
    show();
    schedule();
  });
  box.appendChild(document.createTextNode(' '));
  box.appendChild(button);
  if (status) status.setAttribute('aria-live', 'polite');
  show();
  schedule();
})();
