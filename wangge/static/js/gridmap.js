// The grid browser's map: boundaries from /api/v1/grids.geojson, drawn on a plain background unless a
// tile URL is configured (intranet deployments have no internet). Clicking a boundary opens its panel.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || typeof L === "undefined") return;
  var map = L.map(el, { zoomControl: true, attributionControl: !!el.dataset.tileUrl });
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "" }).addTo(map);
  }
  var styles = {
    subdistrict: { color: "#7a1f1f", weight: 3, fill: false },
    community: { color: "#b22222", weight: 2.5, fillOpacity: 0.03 },
    area_grid: { color: "#d2691e", weight: 2, fillOpacity: 0.05 },
    estate_grid: { color: "#2e7d32", weight: 1.5, fillOpacity: 0.08 },
    micro_grid: { color: "#1565c0", weight: 1, fillOpacity: 0.15 },
  };
  var layers = {};
  var current = null;

  function openPanel(id) {
    if (window.htmx) {
      htmx.ajax("GET", "/grids/" + id + "/panel/", { target: "#panel" }).then(function () {
        history.pushState({}, "", "/grids/" + id + "/");
      });
    } else {
      window.location = "/grids/" + id + "/";
    }
  }

  function highlight(id) {
    if (current && layers[current]) layers[current].setStyle({ weight: styles[layers[current].feature.properties.level].weight });
    current = id;
    var layer = layers[id];
    if (layer) {
      layer.setStyle({ weight: 4 });
      layer.bringToFront();
      map.fitBounds(layer.getBounds(), { maxZoom: 18, padding: [10, 10] });
    }
  }

  fetch(el.dataset.geojson, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var order = ["district", "subdistrict", "community", "area_grid", "estate_grid", "micro_grid"];
      data.features.sort(function (a, b) { return order.indexOf(a.properties.level) - order.indexOf(b.properties.level); });
      var all = L.geoJSON(data, {
        style: function (f) { return styles[f.properties.level] || { weight: 1 }; },
        onEachFeature: function (f, layer) {
          layers[f.id] = layer;
          layer.bindTooltip(f.properties.name + " · " + f.properties.level_label, { sticky: true });
          layer.on("click", function (e) { L.DomEvent.stopPropagation(e); openPanel(f.id); highlight(f.id); });
          layer.getElement && layer.on("add", function () {
            var path = layer.getElement();
            if (path) { path.setAttribute("data-grid", f.id); path.setAttribute("data-level", f.properties.level); }
          });
        },
      }).addTo(map);
      el.setAttribute("data-features", data.features.length);
      if (data.features.length) map.fitBounds(all.getBounds());
      else map.setView([37.2, 112.17], 14);
      if (el.dataset.node) highlight(Number(el.dataset.node));
    });

  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.target.id !== "panel") return;
    var inner = e.target.querySelector("[data-node]");
    if (inner) highlight(Number(inner.dataset.node));
  });
})();
