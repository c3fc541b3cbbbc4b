// Pages of key small matters: the small map on a matter page, the dispatch console's map (grid
// boundaries of the user's scope and the open matters as dots coloured by their timer light), "select
// all" in the console's list, and the name of a photo picked with the camera. Everything works without
// this file except the maps; maps draw on a plain background unless a tile URL is configured.
(function () {
  "use strict";

  var COLOURS = { red: "#c62828", yellow: "#f9a825", green: "#2e7d32", none: "#757575" };

  function urlFor(pattern, id) {
    var at = pattern.lastIndexOf("/0/");
    return pattern.slice(0, at) + "/" + id + "/" + pattern.slice(at + 3);
  }

  function baseMap(el, options) {
    var map = L.map(el, Object.assign({
      attributionControl: !!el.dataset.tileUrl,
      // One finger scrolls the page on a phone; the map never traps it.
      dragging: !L.Browser.mobile,
      zoomSnap: el.dataset.tileUrl ? 1 : 0.25,
    }, options || {}));
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    return map;
  }

  function dot(latlng, light, radius) {
    var colour = COLOURS[light] || COLOURS.none;
    return L.circleMarker(latlng, {
      radius: radius || 8, color: "#fff", weight: 2, fillColor: colour, fillOpacity: 0.95,
    });
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }

  function drawGrids(map, url) {
    return getJSON(url).then(function (data) {
      var grids = L.geoJSON(data, {
        interactive: false,
        style: function (f) {
          var micro = f.properties.level === "micro_grid";
          return { color: micro ? "#1565c0" : "#b22222", weight: micro ? 1 : 2, fillOpacity: 0.03 };
        },
      }).addTo(map);
      return { count: data.features.length, bounds: data.features.length ? grids.getBounds() : null };
    });
  }

  // -- the matter page: where it is, inside its grid ------------------------------------------------
  function matterMap() {
    var el = document.getElementById("matter-map");
    if (!el || typeof L === "undefined" || el.dataset.ready) return;
    el.dataset.ready = "1";
    var latlng = [Number(el.dataset.lat), Number(el.dataset.lon)];
    var map = baseMap(el, { zoomControl: true });
    map.setView(latlng, 17);
    if (el.dataset.grids) {
      drawGrids(map, el.dataset.grids)
        .then(function (drawn) {
          if (drawn.bounds) map.fitBounds(drawn.bounds.extend(latlng), { maxZoom: 17, padding: [12, 12], animate: false });
        })
        .catch(function () { /* outside what the user may see of the grid tree: the dot alone */ });
    }
    dot(latlng, el.dataset.light, 10).addTo(map);
  }

  // -- the dispatch console -------------------------------------------------------------------------
  var consoleMap = null;
  var markers = null;
  var gridBounds = null;

  function loadMarkers(fit) {
    var el = document.getElementById("dispatch-map");
    if (!el || !consoleMap) return;
    getJSON(el.dataset.geojson)
      .then(function (data) {
        if (markers) consoleMap.removeLayer(markers);
        markers = L.featureGroup();
        data.features.forEach(function (f) {
          var c = f.geometry.coordinates;
          var p = f.properties;
          var marker = dot([c[1], c[0]], p.light);
          var box = document.createElement("div");
          var link = document.createElement("a");
          link.href = urlFor(el.dataset.matterUrl, p.id);
          link.textContent = "#" + p.id + " " + p.category;
          box.appendChild(link);
          [p.state_label, p.left, p.assignee].forEach(function (text) {
            if (!text) return;
            var line = document.createElement("div");
            line.textContent = text;
            box.appendChild(line);
          });
          marker.bindPopup(box);
          marker.on("add", function () {
            var path = marker.getElement();
            if (path) {
              path.setAttribute("data-matter", p.id);
              path.setAttribute("data-light", p.light);
            }
          });
          markers.addLayer(marker);
        });
        markers.addTo(consoleMap);
        // The scope's (or the filtered grid's) boundaries frame the map; without them, the dots do.
        if (fit && gridBounds) consoleMap.fitBounds(gridBounds, { padding: [8, 8], animate: false });
        else if (fit && data.features.length) {
          consoleMap.fitBounds(markers.getBounds(), { maxZoom: 17, padding: [24, 24], animate: false });
        }
        el.setAttribute("data-markers", String(data.features.length));
      })
      .catch(function (err) {
        el.setAttribute("data-markers", "0");
        el.setAttribute("data-error", String(err));
      });
  }

  function dispatchMap() {
    var el = document.getElementById("dispatch-map");
    if (!el || typeof L === "undefined") return;
    consoleMap = baseMap(el, { zoomControl: true });
    consoleMap.setView([37.2, 112.17], 12);
    drawGrids(consoleMap, el.dataset.grids)
      .then(function (drawn) {
        gridBounds = drawn.bounds;
        el.setAttribute("data-grids-drawn", String(drawn.count));
      })
      .catch(function (err) { el.setAttribute("data-grids-error", String(err)); })
      .then(function () { loadMarkers(true); });
  }

  // After a bulk dispatch or a supervision the list is swapped in: the dots may have changed colour.
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail && e.detail.target && e.detail.target.id === "dispatch-list") loadMarkers(false);
  });

  // -- select all on the console's page -------------------------------------------------------------
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.matches && t.matches("[data-select-all]")) {
      var table = document.getElementById(t.getAttribute("aria-controls"));
      if (table) table.querySelectorAll("input[name=ids]").forEach(function (box) { box.checked = t.checked; });
    } else if (t.matches && t.matches("[data-photo-input]")) {
      var pick = t.closest("[data-photo-pick]");
      var text = pick && pick.querySelector(".photo-pick-text");
      if (pick) pick.classList.toggle("has-file", t.files && t.files.length > 0);
      if (text && t.files && t.files.length) {
        if (!text.dataset.label) text.dataset.label = text.textContent;
        text.textContent = "✓ " + t.files[0].name;
      } else if (text && text.dataset.label) {
        text.textContent = text.dataset.label;
      }
    }
  });

  matterMap();
  dispatchMap();
})();
