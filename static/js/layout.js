// Narrow screens (phones, small tablets): folds closed and controls compact, so the map keeps
// most of the height and no control covers another or the popup.  Wide screens are untouched.
(function () {
  if (!window.matchMedia('(max-width: 700px)').matches) { return; }
  document.querySelectorAll('details.toolbar-fold, details.legend-fold').forEach(function (d) { d.open = false; });
  var attribution = document.querySelector('.leaflet-control-attribution');
  if (attribution) {  // one line until tapped
    attribution.classList.add('folded');
    attribution.addEventListener('click', function (e) {
      if (e.target.tagName !== 'A') { attribution.classList.toggle('folded'); }
    });
  }
  document.querySelectorAll('.leaflet-control-layers').forEach(function (c) {
    c.classList.remove('leaflet-control-layers-expanded');  // the toggle button opens it again
  });
  document.querySelectorAll('.folium-map').forEach(function (el) {
    el.addEventListener('click', function (e) {
      if (!e.target.closest('.leaflet-control-layers')) {
        document.querySelectorAll('.leaflet-control-layers').forEach(function (c) {
          c.classList.remove('leaflet-control-layers-expanded');
        });
      }
    });
  });
  if (window.L) {  // popups pan clear of what is left in the top corners, and of the folded legend
    var corner = document.querySelector('.leaflet-top.leaflet-right');
    var bottom = document.querySelector('.leaflet-bottom.leaflet-right');
    L.Popup.prototype.options.autoPanPaddingTopLeft = L.point(50, (corner ? corner.offsetHeight : 0) + 10);
    L.Popup.prototype.options.autoPanPaddingBottomRight = L.point(10, (bottom ? bottom.offsetHeight : 0) + 10);
  }
})();
