// The public map of matters (/public/matters/): one dot per matter with a point, orange while it is being
// handled and green once closed, from /public/matters.geojson with the page's filters; the communities'
// outlines give a plain background its bearings when no tile URL is configured. A tap on a dot opens a
// popup linking to the matter's public page. Text from the data is set as text, never as HTML.
(function () {
  "use strict";
  var el = document.getElementById("public-map");
  if (!el || typeof L === "undefined") return;

  var map = L.map(el, {
    attributionControl: !!el.dataset.tileUrl,
    dragging: !L.Browser.mobile,
    zoomSnap: el.dataset.tileUrl ? 1 : 0.25,
  });
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
  }
  map.setView([37.2, 112.17], 12);

  var outlines = [];
  var data = document.getElementById("public-outlines");
  try { outlines = data ? JSON.parse(data.textContent) : []; } catch (e) { outlines = []; }
  var outlineLayer = L.geoJSON(
    { type: "FeatureCollection", features: outlines.map(function (o) {
      return { type: "Feature", geometry: o.boundary, properties: { name: o.name } };
    }) },
    { interactive: false, style: { color: "#b22222", weight: 1.5, fillOpacity: 0.03, dashArray: "4 4" } }
  ).addTo(map);
  if (outlines.length) map.fitBounds(outlineLayer.getBounds(), { padding: [8, 8] });

  function matterUrl(id) {
    var pattern = el.dataset.matterUrl;
    var at = pattern.lastIndexOf("/0/");
    return pattern.slice(0, at) + "/" + id + "/" + pattern.slice(at + 3);
  }

  function popup(p) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = p.category;
    var meta = document.createElement("div");
    meta.textContent = p.state_label + " · " + p.created;
    var link = document.createElement("a");
    link.href = matterUrl(p.id);
    link.textContent = "#" + p.id;
    box.appendChild(title);
    box.appendChild(meta);
    box.appendChild(link);
    return box;
  }

  fetch(el.dataset.geojson, { credentials: "same-origin", headers: { Accept: "application/geo+json, application/json" } })
    .then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    })
    .then(function (fc) {
      var dots = L.geoJSON(fc, {
        pointToLayer: function (f, latlng) {
          var open = f.properties.open;
          return L.circleMarker(latlng, {
            radius: 8, weight: 2, color: "#fff", fillOpacity: 0.9, fillColor: open ? "#d97706" : "#2e7d32",
            className: open ? "dot-open" : "dot-closed",
          });
        },
        onEachFeature: function (f, layer) {
          layer.bindPopup(function () { return popup(f.properties); });
        },
      }).addTo(map);
      el.setAttribute("data-features", fc.features.length);
      if (fc.features.length) map.fitBounds(dots.getBounds(), { maxZoom: 17, padding: [24, 24] });
    })
    .catch(function (err) {
      el.setAttribute("data-features", "0");
      el.setAttribute("data-error", String(err));
    });
})();
