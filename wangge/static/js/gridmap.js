// The grid browser: the tree's selection and the map. Boundaries come from /api/v1/grids.geojson and
// are drawn on a plain background unless a tile URL is configured (intranet deployments have no
// internet). Clicking a boundary opens its panel; the selected node is marked in the tree and outlined
// on the map, whether it was chosen in the tree, the panel, the breadcrumbs or the map.
(function () {
  "use strict";
  var el = document.getElementById("map");
  var panel = document.getElementById("panel");
  if (!el || !panel) return;

  var narrow = window.matchMedia("(max-width: 899px)");

  // URL patterns rendered by Django with the id 0 ("/grids/0/panel/"), so a deployment under a prefix works.
  function urlFor(pattern, id) {
    var at = pattern.lastIndexOf("/0/");
    return pattern.slice(0, at) + "/" + id + "/" + pattern.slice(at + 3);
  }

  function panelNodeId() {
    var inner = panel.querySelector("[data-node]");
    return inner ? Number(inner.dataset.node) : null;
  }

  // -- the tree ------------------------------------------------------------------------------------
  function treeLink(id) {
    return document.querySelector('.tree .node-link[data-grid="' + id + '"]');
  }

  function markTree(id) {
    var links = document.querySelectorAll(".tree .node-link");
    for (var i = 0; i < links.length; i++) {
      var on = Number(links[i].dataset.grid) === id;
      links[i].classList.toggle("selected", on);
      if (on) links[i].setAttribute("aria-current", "true");
      else links[i].removeAttribute("aria-current");
    }
    var link = treeLink(id);
    // Unfold the branches above the selected node (their children are loaded, or it would not be here)…
    for (var li = link && link.closest("li").parentElement.closest("li"); li; li = li.parentElement.closest("li")) {
      li.classList.add("open");
      var twisty = li.querySelector(":scope > .tree-row > .twisty");
      if (twisty) twisty.setAttribute("aria-expanded", "true");
    }
    // …and scroll the tree (only the tree, not the page) so that it shows.
    var tree = link && link.closest(".tree");
    if (tree && link.offsetParent !== null) {
      var box = link.getBoundingClientRect();
      var frame = tree.getBoundingClientRect();
      if (box.top < frame.top || box.bottom > frame.bottom) tree.scrollTop += box.top - frame.top - frame.height / 3;
    }
  }

  // A panel asked for a node the tree has not loaded (from the map, or a child listed in the panel):
  // ask for the tree too, expanded down to that node (it comes back as an out-of-band swap).
  document.body.addEventListener("htmx:configRequest", function (e) {
    var m = /\/(\d+)\/panel\/$/.exec(e.detail.path);
    if (m && !treeLink(m[1])) e.detail.parameters.tree = "1";
  });

  // -- the map -------------------------------------------------------------------------------------
  var styles = {
    district: { color: "#5c1010", weight: 3, fill: false },
    subdistrict: { color: "#7a1f1f", weight: 3, fill: false },
    community: { color: "#b22222", weight: 2.5, fillOpacity: 0.03 },
    area_grid: { color: "#d2691e", weight: 2, fillOpacity: 0.05 },
    estate_grid: { color: "#2e7d32", weight: 1.5, fillOpacity: 0.08 },
    micro_grid: { color: "#1565c0", weight: 1, fillOpacity: 0.15 },
  };
  // Drawn on top of the selected boundary; not interactive, so the children below stay clickable.
  var selectedStyle = { color: "#ff8f00", weight: 5, opacity: 1, fillColor: "#ffca28", fillOpacity: 0.25, dashArray: null };
  var map = null;
  var layers = {};
  var overlay = null;
  var selectedId = panelNodeId();

  function highlight(id, fit) {
    if (!map) return;
    if (overlay) { map.removeLayer(overlay); overlay = null; }
    Object.keys(layers).forEach(function (key) {
      var path = layers[key].getElement && layers[key].getElement();
      if (path) path.classList.toggle("is-selected", Number(key) === id);
    });
    var layer = layers[id];
    if (!layer) return;
    overlay = L.geoJSON(layer.feature, { interactive: false, style: selectedStyle }).addTo(map);
    if (fit) map.fitBounds(layer.getBounds(), { maxZoom: 18, padding: [16, 16] });
  }

  function select(id, fit) {
    selectedId = id;
    markTree(id);
    highlight(id, fit);
  }

  function openPanel(id) {
    var panelUrl = urlFor(el.dataset.panelUrl, id);
    var nodeUrl = urlFor(el.dataset.nodeUrl, id);
    if (window.htmx) htmx.ajax("GET", panelUrl, { target: "#panel", push: nodeUrl });
    else window.location = nodeUrl;
  }

  if (typeof L !== "undefined") {
    map = L.map(el, {
      zoomControl: true,
      attributionControl: !!el.dataset.tileUrl,
      // On a phone one finger scrolls the page and two fingers move the map, so the map never traps
      // the page it sits in.
      dragging: !L.Browser.mobile,
      // Without tiles nothing gets blurry between zoom levels, so boundaries can fill the frame.
      zoomSnap: el.dataset.tileUrl ? 1 : 0.25,
    });
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    map.setView([37.2, 112.17], 12);

    fetch(el.dataset.geojson, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (data) {
        var order = ["district", "subdistrict", "community", "area_grid", "estate_grid", "micro_grid"];
        data.features.sort(function (a, b) {
          return order.indexOf(a.properties.level) - order.indexOf(b.properties.level);
        });
        var all = L.geoJSON(data, {
          style: function (f) { return styles[f.properties.level] || { weight: 1 }; },
          onEachFeature: function (f, layer) {
            layers[f.id] = layer;
            // A finger has no hover: on phones a tooltip would only stick over the map after a tap.
            if (!L.Browser.mobile) layer.bindTooltip(f.properties.name + " · " + f.properties.level_label, { sticky: true });
            layer.on("click", function (e) {
              L.DomEvent.stopPropagation(e);
              openPanel(f.id);
            });
            layer.on("add", function () {
              var path = layer.getElement();
              if (path) {
                path.setAttribute("data-grid", f.id);
                path.setAttribute("data-level", f.properties.level);
              }
            });
          },
        }).addTo(map);
        el.setAttribute("data-features", data.features.length);
        if (selectedId !== null && layers[selectedId]) highlight(selectedId, true);
        else if (data.features.length) map.fitBounds(all.getBounds(), { padding: [8, 8] });
      })
      .catch(function (err) {
        el.setAttribute("data-features", "0");
        el.setAttribute("data-error", String(err));
      });
  }

  document.body.addEventListener("htmx:afterSwap", function (e) {
    var target = e.detail && e.detail.target;
    if (!target) return;
    if (target === panel) {
      var id = panelNodeId();
      if (id === null) return;
      // A duty was given or ended in the panel: same node, so the map and the page stay where they are
      // (the panel focuses what changed).
      var from = e.detail.requestConfig && e.detail.requestConfig.elt;
      if (id === selectedId && from && from.hasAttribute && from.hasAttribute("data-panel-action")) return;
      select(id, true);
      // On a phone the panel sits below the map: bring what was just opened into view.
      if (narrow.matches) panel.scrollIntoView({ block: "start" });
    } else if (target.closest && target.closest(".tree")) {
      markTree(selectedId); // children loaded into the tree: mark the selected one if it is among them
    }
  });
})();
