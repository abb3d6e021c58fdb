"""Small Leaflet controls that folium lacks: a legend and attribution lines.

Why not branca's colormap legend: it hard-codes d3 from a CDN inside its render
code, so it breaks offline.  These elements pass their (already escaped) HTML to
JavaScript as JSON strings, so no name can break out of the string.
"""

from __future__ import annotations

import json
from typing import ClassVar

from branca.element import MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template


def js_string(text: str) -> str:
    """A JavaScript string literal that cannot close a <script> element.

    UTF-8 is kept (Vietnamese letters are 2-3 bytes instead of 6 as ``\\uXXXX``).
    """
    return (
        json.dumps(str(text), ensure_ascii=False)
        .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    )


class MetricScale(MacroElement):
    """A scale bar in metres and kilometres only (Leaflet's default adds miles, which no planner here uses)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, maxWidth: 120}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MetricScale"


class HtmlControl(MacroElement):
    """A Leaflet control holding a block of trusted (escaped) HTML."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var ctl = L.control({position: {{ this.position_json }}});
            ctl.onAdd = function () {
                var div = L.DomUtil.create('div', {{ this.css_class_json }});
                div.innerHTML = {{ this.html_json }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            ctl.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html: str, position: str = "bottomright", css_class: str = "map-control") -> None:
        super().__init__()
        self._name = "HtmlControl"
        self.html_json = js_string(html)
        self.position_json = js_string(position)
        self.css_class_json = js_string(f"leaflet-control {css_class}")


class Attribution(MacroElement):
    """Adds attribution lines (escaped HTML) to the map's attribution control."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {% for line in this.lines_json %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ line }});
        {% endfor %}
        {% endmacro %}
        """
    )

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self._name = "Attribution"
        self.lines_json = [js_string(line) for line in lines]


class FitView(MacroElement):
    """Fit the map to its data at once, without animation, and again once the page
    layout is final (the container may change size after the map is created).

    folium's ``fit_bounds`` animates from the map's starting zoom: the layers added
    during that animation are projected at the old zoom and again at the new one,
    and the map settles a quarter of a second after it first appears.  Added right
    after the map and before any layer, this fit costs nothing.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.fitBounds({{ this.bounds_json }}, {animate: false});
        window.addEventListener('load', function () {
            {{ this._parent.get_name() }}.invalidateSize();
            {{ this._parent.get_name() }}.fitBounds({{ this.bounds_json }}, {animate: false});
        });
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "FitView"
        self.bounds_json = json.dumps(bounds)


class PopupsClearOfControls(MacroElement):
    """Popups pan clear of the top corners' controls (zoom buttons, the expanded layer
    list) instead of opening underneath them.

    Leaflet popups read their options through the prototype chain, so one padding
    set after the controls exist (their height is known only then) serves every
    popup on the page.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            var corner = map.getContainer().querySelector('.leaflet-top.leaflet-right');
            // Never taller or wider than the room it has (a phone, a map shortened by the data table,
            // a layer list made longer by raster overlays): the popup scrolls instead.  Set before
            // any popup opens, so none is laid out twice.
            var fit = function () {
                var size = map.getSize();
                var below = corner ? corner.offsetHeight + 10 : 10;
                if (below > size.y / 2) { below = 10; }  // a list taller than half the map: popups go beside it
                L.Popup.prototype.options.autoPanPaddingTopLeft = L.point(50, below);
                L.Popup.prototype.options.maxWidth = Math.max(160, Math.min(340, size.x - 110));
                L.Popup.prototype.options.maxHeight = Math.max(150, Math.min(size.y - 130, size.y - below - 60));
            };
            fit();
            map.on('resize', fit);
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "PopupsClearOfControls"


class RefineOnZoom(MacroElement):
    """Swap in finer boundaries, once, when the map is zoomed past its opening zoom.

    The page opens with boundaries simplified to one pixel of that zoom; the finer
    ones (the stored screen geometry) come from ``url`` as ``{units, outline}``
    feature collections keyed by ``properties.code``.  Only coordinates (and
    Leaflet's smoothing, off for the coarse shapes) change: styles, popups and
    tooltips stay bound to the same layers.  A failed request
    leaves the coarse shapes and is tried again at the next zoom.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }}, state = 'coarse';
            var targets = {units: {{ this.units_layer }}, outline: {{ this.outline_layer }}};
            function swap(group, collection) {
                if (!group || !collection) { return; }
                var byCode = {};
                collection.features.forEach(function (f) { byCode[f.properties.code] = f.geometry; });
                group.eachLayer(function (l) {
                    var g = l.feature && byCode[l.feature.properties.code];
                    if (g && l.setLatLngs) {
                        l.options.smoothFactor = 1;  // Leaflet's default, off while the shapes were coarse
                        l.setLatLngs(L.GeoJSON.coordsToLatLngs(g.coordinates, g.type === 'Polygon' ? 1 : 2));
                    }
                });
            }
            function refine() {
                if (state !== 'coarse' || map.getZoom() <= {{ this.zoom }}) { return; }
                state = 'loading';
                fetch({{ this.url_json }}, {credentials: 'same-origin'})
                    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
                    .then(function (data) {
                        swap(targets.units, data.units);
                        swap(targets.outline, data.outline);
                        state = 'fine';
                        map.getContainer().setAttribute('data-detail', 'fine');
                    })
                    .catch(function () { state = 'coarse'; });
            }
            map.getContainer().setAttribute('data-detail', 'coarse');
            map.on('zoomend', refine);
            window.addEventListener('load', refine);  // a large screen may open past the zoom
        })();
        {% endmacro %}
        """
    )

    def __init__(self, url: str, zoom: int, units_layer: str, outline_layer: str | None) -> None:
        super().__init__()
        self._name = "RefineOnZoom"
        self.url_json = js_string(url)
        self.zoom = int(zoom)
        self.units_layer = units_layer
        self.outline_layer = outline_layer or "null"


class UnitsOverCrowdedPoints(MacroElement):
    """A tap among crowded points opens the unit under the finger, not whichever point won.

    At a province's zoom the nine tourism sites of Bình Lư sit on top of each other on the
    commune's centre, so a phone tap on the commune opened one arbitrary site.  A point still
    opens its own popup when it is the only one within reach of the pointer (a finger reaches
    22 px, a mouse 6 px, beyond the marker's radius); zooming in separates them.  The unit
    under the pointer is found by the browser's own hit test (``elementsFromPoint``), so it is
    the polygon actually drawn there.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, points) {
            var unitAt = function (ev) {
                var units = window.webmapUnits || {};
                var els = document.elementsFromPoint(ev.clientX, ev.clientY);
                for (var i = 0; i < els.length; i++) {
                    for (var code in units) { if (units[code]._path === els[i]) { return units[code]; } }
                }
                return null;
            };
            points.eachLayer(function (marker) {
                if (!marker.getLatLng || !marker._popup) { return; }
                marker.off('click', marker._openPopup, marker);
                marker.on('click', function (e) {
                    var oe = e.originalEvent || {};
                    var touch = oe.pointerType === 'touch' ||
                        (oe.sourceCapabilities && oe.sourceCapabilities.firesTouchEvents);
                    var reach = touch ? 22 : 6, near = 0;
                    points.eachLayer(function (o) {
                        if (o.getLatLng && map.latLngToContainerPoint(o.getLatLng()).distanceTo(e.containerPoint)
                                <= reach + (o.getRadius ? o.getRadius() : 0)) { near += 1; }
                    });
                    var unit = near > 1 && oe.clientX !== undefined ? unitAt(oe) : null;
                    if (unit) {
                        L.DomEvent.stop(e);
                        unit.fire('click', {latlng: e.latlng, originalEvent: oe, crowdedPoints: near});
                    } else {
                        marker._openPopup(e);
                    }
                });
            });
        })({{ this._parent.get_name() }}, {{ this.points }});
        {% endmacro %}
        """
    )

    def __init__(self, points_layer: str) -> None:
        super().__init__()
        self._name = "UnitsOverCrowdedPoints"
        self.points = points_layer


class VectorUnits(JSCSSMixin, MacroElement):
    """The units as vector tiles (Leaflet.VectorGrid), for pages of thousands of units.

    Each tile's features carry their fill (computed by the page's own legend code, so tiles and
    legend agree), value and status; a click fetches the unit's popup like a lazy GeoJSON page
    and tells the page which unit it was (``webmap:unit``).  VectorGrid 1.3.0 still calls
    ``L.DomEvent.fakeStop``, which Leaflet 1.8 removed: it is given back as ``stopPropagation``
    (the click must not reach the map, which would close the popup it opens)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            if (!L.DomEvent.fakeStop) { L.DomEvent.fakeStop = L.DomEvent.stopPropagation; }
            // Outlines only from the zoom where a unit is several pixels wide: 69,770 village
            // outlines at the country's zoom paint the map grey and hide the colours.
            var style = function (p, zoom) {
                var s = {fill: true, fillColor: p.fill || '#d9d9d9', fillOpacity: 0.8, color: '#444444',
                         weight: zoom === undefined || zoom >= {{ this.stroke_from }} ? 0.6 : 0, opacity: 0.9};
                if (p.dash) { s.dashArray = '3 3'; s.weight = 1.2; s.color = '#222222'; }
                return s;
            };
            var layer = L.vectorGrid.protobuf({{ this.url_json }}, {
                rendererFactory: L.canvas.tile, interactive: true, maxNativeZoom: 14, maxZoom: 18,
                attribution: '', vectorTileLayerStyles: {units: style},
                getFeatureId: function (f) { return f.properties.code; }
            });
            var cfg = window.webmapPopup || {};
            var chosen = null;
            layer.on('click', function (e) {
                var p = (e.layer && e.layer.properties) || {};
                if (!p.code) { return; }
                var at = e.latlng || map.mouseEventToLatLng(e.originalEvent);
                if (chosen) { layer.resetFeatureStyle(chosen); }
                chosen = p.code;
                layer.setFeatureStyle(p.code, Object.assign(style(p), {weight: 2.5, color: '#000000'}));
                document.dispatchEvent(new CustomEvent('webmap:unit', {detail: p.code}));
                var popup = L.popup().setLatLng(at).setContent(cfg.loading || '…').openOn(map);
                fetch(cfg.url.replace('__CODE__', encodeURIComponent(p.code)))
                    .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
                    .then(function (html) { popup.setContent(html); })
                    .catch(function () { popup.setContent(cfg.failed || ''); });
            });
            layer.addTo(map);
            window.webmapTiles = layer;
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )
    default_js: ClassVar[list[tuple[str, str]]] = [("leaflet.vectorgrid",
        "https://unpkg.com/leaflet.vectorgrid@1.3.0/dist/Leaflet.VectorGrid.bundled.min.js")]

    def __init__(self, url: str, stroke_from: int = 0) -> None:
        super().__init__()
        self._name = "VectorUnits"
        self.url_json = js_string(url)
        self.stroke_from = int(stroke_from)


class Swipe(MacroElement):
    """Two periods on one map, the earlier left of a divider the user drags (a range input: a
    finger on a phone moves it as well as a mouse).

    The earlier period's layer is moved into a pane of its own, drawn above the later one and
    clipped to the left of the divider; the clip is in layer-point coordinates, so it is redone on
    every move and zoom (the panes move with the map).  Why not leaflet-side-by-side: it clips
    tile layers by their container and does not handle vector layers sharing one SVG renderer."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, before) {
            var pane = map.createPane('swipe-before');
            pane.style.zIndex = 401;
            before.eachLayer(function (l) { l.options.pane = 'swipe-before'; });
            map.removeLayer(before);
            before.addTo(map);
            var box = map.getContainer();
            var line = L.DomUtil.create('div', 'swipe-line', box);
            var left = L.DomUtil.create('span', 'swipe-tag swipe-tag-left', line);
            var right = L.DomUtil.create('span', 'swipe-tag swipe-tag-right', line);
            left.textContent = {{ this.before_json }};
            right.textContent = {{ this.after_json }};
            var input = L.DomUtil.create('input', 'swipe-range', box);
            input.type = 'range'; input.min = 0; input.max = 100; input.step = 'any'; input.value = 50;
            input.setAttribute('aria-label', {{ this.label_json }});
            ['mousedown', 'touchstart', 'pointerdown', 'click', 'dblclick', 'wheel'].forEach(function (t) {
                L.DomEvent.on(input, t, L.DomEvent.stopPropagation);
            });
            var clip = function () {
                var size = map.getSize(), x = size.x * input.value / 100;
                var nw = map.containerPointToLayerPoint([0, 0]), se = map.containerPointToLayerPoint(size);
                pane.style.clip = 'rect(' + [nw.y, nw.x + x, se.y, nw.x].join('px,') + 'px)';
                line.style.left = x + 'px';
                window.webmapSwipe = {x: x, before: before};
            };
            input.addEventListener('input', clip);
            map.on('move zoom resize zoomend moveend', clip);
            clip();
        })({{ this._parent.get_name() }}, {{ this.before }});
        {% endmacro %}
        """
    )

    def __init__(self, before_layer: str, before: str, after: str, label: str) -> None:
        super().__init__()
        self._name = "Swipe"
        self.before = before_layer
        self.before_json, self.after_json, self.label_json = js_string(before), js_string(after), js_string(label)


class RasterOpacity(MacroElement):
    """One slider for the opacity of the page's raster overlays (shown when one is switched on)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, layers) {
            var ctl = L.control({position: 'bottomleft'});
            ctl.onAdd = function () {
                var div = L.DomUtil.create('div', 'raster-opacity');
                var label = L.DomUtil.create('label', '', div);
                label.textContent = {{ this.label_json }} + ' ';
                var input = L.DomUtil.create('input', '', label);
                input.type = 'range'; input.min = 0; input.max = 100; input.value = 70;
                input.addEventListener('input', function () {
                    layers.forEach(function (l) { l.setOpacity(input.value / 100); });
                });
                L.DomEvent.disableClickPropagation(div);
                var shown = function () {
                    var on = layers.some(function (l) { return map.hasLayer(l); });
                    div.style.display = on ? '' : 'none';
                    // The units' fills would hide the raster: outlines stay, fills fade while one is on.
                    map.getContainer().classList.toggle('raster-on', on);
                };
                map.on('overlayadd overlayremove', shown);
                setTimeout(shown, 0);
                return div;
            };
            ctl.addTo(map);
        })({{ this._parent.get_name() }}, [{{ this.layers }}]);
        {% endmacro %}
        """
    )

    def __init__(self, layers: list[str], label: str) -> None:
        super().__init__()
        self._name = "RasterOpacity"
        self.layers = ", ".join(layers)
        self.label_json = js_string(label)
