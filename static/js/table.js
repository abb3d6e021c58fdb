// The data table under a map: sort by a column, filter by status, and row <-> unit on the map.
(function () {
  var box = document.getElementById('data-table');
  var table = box && box.querySelector('table');
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var shownText = document.currentScript.dataset.shown;
  var heads = table.tHead.rows[0].cells;

  function key(row, i, type) {
    var raw = row.cells[i].dataset.sort;
    if (type === 'text') { return raw || ''; }
    return raw === '' || raw === undefined ? null : Number(raw);
  }

  Array.prototype.forEach.call(heads, function (th, i) {
    var button = th.querySelector('button');
    if (!button) { return; }
    button.addEventListener('click', function () {
      var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
      var type = th.dataset.type;
      rows.sort(function (a, b) {
        var x = key(a, i, type), y = key(b, i, type);
        if (type === 'text') { return dir * x.localeCompare(y, 'vi'); }
        if (x === null && y === null) { return 0; }
        if (x === null) { return 1; }  // no figure: always last
        if (y === null) { return -1; }
        return dir * (x - y);
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });

  var filter = box.querySelector('select[name=status-filter]');
  var shown = box.querySelector('.shown');
  function applyFilter() {
    var n = 0;
    rows.forEach(function (r) {
      r.hidden = !!filter.value && r.dataset.status !== filter.value;
      if (!r.hidden) { n += 1; }
    });
    shown.textContent = shownText + ' ' + n + '/' + rows.length;
  }
  filter.addEventListener('change', applyFilter);
  applyFilter();

  function anyMap() {
    var layers = window.webmapUnits || {};
    for (var code in layers) { if (layers[code]._map) { return layers[code]._map; } }
    return null;
  }
  box.addEventListener('toggle', function () {  // the map's box changed height: Leaflet must know
    var map = anyMap();
    if (map) { map.invalidateSize({animate: false}); }
  });

  function select(code) {
    rows.forEach(function (r) { r.classList.toggle('selected', r.dataset.code === code); });
  }
  function openUnit(row) {
    var layer = (window.webmapUnits || {})[row.dataset.code];
    select(row.dataset.code);
    if (!layer || !layer._map) { return; }
    var map = layer._map, bounds = layer.getBounds();
    if (!map.getBounds().contains(bounds)) { map.fitBounds(bounds, {animate: false, maxZoom: map.getZoom()}); }
    layer.openPopup(bounds.getCenter());
  }
  body.addEventListener('click', function (e) {
    var row = e.target.closest('tr');
    if (row) { openUnit(row); }
  });
  body.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && e.target.closest('tr')) { openUnit(e.target.closest('tr')); }
  });
  document.addEventListener('webmap:unit', function (e) {
    select(e.detail);
    var row = rows.filter(function (r) { return r.dataset.code === e.detail; })[0];
    if (row && box.open) { row.scrollIntoView({block: 'nearest'}); }
  });
})();
