/* The entry form's checks as the figure is typed (the server checks again on saving):
   Vietnamese numbers (3.902,9), a percentage over 100, a jump from last period's value. */
(function () {
  'use strict';
  var form = document.getElementById('entry-form');
  if (!form) { return; }
  var jump = parseFloat(form.dataset.jump) || 5;
  var percent = form.dataset.percent.split('|');

  function parse(text) {
    var t = text.replace(/\s|\u00a0|%/g, '');
    if (!t) { return null; }
    if (!/^[+-]?[\d.,]+$/.test(t)) { return NaN; }
    if (t.indexOf(',') >= 0 && t.indexOf('.') >= 0) {
      t = t.lastIndexOf(',') > t.lastIndexOf('.') ? t.replace(/\./g, '').replace(',', '.') : t.replace(/,/g, '');
    } else if (t.indexOf(',') >= 0) {
      t = t.replace(',', '.');
    } else if (/^[+-]?\d{1,3}(\.\d{3})+$/.test(t)) {
      t = t.replace(/\./g, '');
    }
    return parseFloat(t);
  }

  function check(row) {
    var input = row.querySelector('input[name^="value_"]');
    var box = row.querySelector('.msgs');
    var live = box.querySelector('.live');
    if (!live) { live = document.createElement('div'); live.className = 'live'; box.appendChild(live); }
    var v = parse(input.value), msgs = [];
    var last = parseFloat(row.dataset.last);
    if (v !== null && isNaN(v)) { msgs.push(form.dataset.msgNan); }
    if (v !== null && !isNaN(v)) {
      if (percent.indexOf(row.dataset.unit) >= 0 && v > 100) { msgs.push(form.dataset.msgPct); }
      if (last > 0 && v > 0 && (v / last >= jump || v / last <= 1 / jump)) { msgs.push(form.dataset.msgJump); }
    }
    live.textContent = msgs.join(' · ');
    live.className = msgs.length ? 'live warn' : 'live';
  }

  Array.prototype.forEach.call(form.querySelectorAll('tbody tr'), function (row) {
    var input = row.querySelector('input[name^="value_"]');
    input.addEventListener('input', function () { check(row); });
  });
}());
