/* Form behaviour the pages used to write as inline handlers (the Content-Security-Policy allows no
   inline handler): a select that submits its form when changed (switching indicator drops the old
   period, which may not exist for the new one), a link back to
   the page before, and a form that never submits (the search box). */
(function () {
  'use strict';
  Array.prototype.forEach.call(document.querySelectorAll('select[data-submit-on-change]'), function (select) {
    select.addEventListener('change', function () {
      var drops = select.dataset.drops;
      if (drops && select.form.elements[drops]) { select.form.elements[drops].disabled = true; }
      select.form.submit();
    });
  });
  // A period slider moves the period select along its options (and shows the period while dragged).
  Array.prototype.forEach.call(document.querySelectorAll('input[data-period-slider]'), function (range) {
    var select = document.getElementById(range.dataset.periodSlider);
    if (!select) { return; }
    range.addEventListener('input', function () {
      range.title = select.options[Number(range.value)].text;
    });
    range.addEventListener('change', function () {
      select.selectedIndex = Number(range.value);
      select.form.submit();
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll('a[data-back]'), function (a) {
    a.addEventListener('click', function (e) {
      if (window.history.length > 1) { e.preventDefault(); window.history.back(); }
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll('form[data-no-submit]'), function (form) {
    form.addEventListener('submit', function (e) { e.preventDefault(); });
  });
}());
