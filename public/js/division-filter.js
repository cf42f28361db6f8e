// 回付先の絞り込み: with hundreds of 課, typing part of a name narrows the related-division checklist and
// the lead-division list of the routing forms. Loaded by views/proposals/show.hbs; without JavaScript
// the lists are simply complete (grouped under their 局・部).
(function () {
  'use strict';

  var normalize = function (text) {
    return (text || '').normalize ? text.normalize('NFKC').toLowerCase() : String(text).toLowerCase();
  };

  var boxes = document.querySelectorAll('.division-checklist');
  Array.prototype.forEach.call(boxes, function (box, index) {
    var list = box.querySelector('.division-checklist__box');
    var form = box.closest('form');
    var select = form ? form.querySelector('.division-select') : null;
    if (!list) return;

    var label = document.createElement('label');
    var id = 'division-filter-' + index;
    label.setAttribute('for', id);
    label.textContent = '課の名前で絞り込む';
    var input = document.createElement('input');
    input.type = 'search';
    input.id = id;
    input.className = 'division-filter';
    input.setAttribute('autocomplete', 'off');
    var wrapper = document.createElement('div');
    wrapper.className = 'field division-filter-field';
    wrapper.appendChild(label);
    wrapper.appendChild(input);
    box.parentNode.insertBefore(wrapper, form && select ? select.closest('.field') : box);

    input.addEventListener('input', function () {
      var query = normalize(input.value.trim());
      Array.prototype.forEach.call(list.querySelectorAll('.division-checklist__group'), function (group) {
        var heading = normalize(group.querySelector('.division-checklist__heading').textContent);
        var any = false;
        Array.prototype.forEach.call(group.querySelectorAll('.field--checkbox'), function (row) {
          var checkbox = row.querySelector('input');
          // a ticked 課 stays visible, so a choice is never hidden from the person who made it
          var show = !query || checkbox.checked || heading.indexOf(query) >= 0 || normalize(row.textContent).indexOf(query) >= 0;
          row.hidden = !show;
          any = any || show;
        });
        group.hidden = !any;
      });
      if (select) {
        Array.prototype.forEach.call(select.querySelectorAll('optgroup'), function (group) {
          var heading = normalize(group.label);
          var any = false;
          Array.prototype.forEach.call(group.querySelectorAll('option'), function (option) {
            var show = !query || option.selected || heading.indexOf(query) >= 0 || normalize(option.textContent).indexOf(query) >= 0;
            option.hidden = !show;
            any = any || show;
          });
          group.hidden = !any;
        });
      }
    });
  });
})();
