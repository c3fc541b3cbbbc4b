// The dashboards' charts (ECharts): trend, categories, channels, child grids on a map and as bars. They draw
// from the JSON the page carries (#dashboard-data), the same the API answers. A click on a child grid, on
// the map or its bar, drills down to it. On the wall screen (body[data-wall]) the figures and charts are
// fetched again every minute.
(function () {
  "use strict";

  var wall = document.body.dataset.wall === "1";
  var labels = JSON.parse(document.getElementById("dashboard-labels").textContent);
  var charts = {};
  var mapName = null;
  var TEXT = wall ? "#d8e3f0" : "#333";
  var AXIS = wall ? "#5b6b80" : "#999";

  function chart(id) {
    var el = document.getElementById(id);
    if (!el || typeof echarts === "undefined") return null;
    if (!charts[id]) {
      charts[id] = echarts.init(el, wall ? "dark" : null, { renderer: "canvas" });
    }
    return charts[id];
  }

  function percent(v) {
    return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%";
  }

  function drillTo(id) {
    var url = new URL(window.location.href);
    url.searchParams.set("node", id);
    window.location.href = url.toString();
  }

  function base() {
    return { backgroundColor: "transparent", textStyle: { color: TEXT }, tooltip: { trigger: "axis" },
             grid: { left: 48, right: 16, top: 32, bottom: 40 } };
  }

  function draw(data) {
    var trend = chart("chart-trend");
    if (trend) {
      trend.setOption(Object.assign(base(), {
        legend: { data: [labels.received, labels.closed], top: 0, textStyle: { color: TEXT } },
        xAxis: { type: "category", data: data.trend.map(function (p) { return p.date; }),
                 axisLine: { lineStyle: { color: AXIS } } },
        yAxis: { type: "value", minInterval: 1, axisLine: { lineStyle: { color: AXIS } } },
        series: [
          { name: labels.received, type: "line", smooth: true, data: data.trend.map(function (p) { return p.received; }) },
          { name: labels.closed, type: "line", smooth: true, data: data.trend.map(function (p) { return p.closed; }) },
        ],
      }), true);
    }
    var cats = chart("chart-categories");
    if (cats) {
      var top = data.categories.slice(0, 12).reverse();
      cats.setOption(Object.assign(base(), {
        grid: { left: 110, right: 16, top: 8, bottom: 24 },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: top.map(function (c) { return c.name; }) },
        series: [{ name: labels.received, type: "bar", data: top.map(function (c) { return c.received; }) }],
      }), true);
    }
    var sources = chart("chart-sources");
    if (sources) {
      sources.setOption({
        backgroundColor: "transparent", tooltip: { trigger: "item" },
        // The channels' names in a legend below, each slice labelled with its count: nothing is cut short
        // however narrow the panel (a phone, a wall screen's side column).
        legend: { bottom: 0, itemWidth: 12, itemHeight: 8, itemGap: 8, textStyle: { color: TEXT } },
        series: [{ type: "pie", radius: ["30%", "55%"], center: ["50%", "40%"],
                   label: { color: TEXT, formatter: "{c}" }, labelLine: { length: 6, length2: 4 },
                   data: data.sources.map(function (s) { return { name: s.label, value: s.received }; }) }],
      }, true);
    }
    var children = chart("chart-children");
    if (children) {
      children.setOption(Object.assign(base(), {
        xAxis: { type: "category", data: data.children.map(function (c) { return c.name; }), axisLabel: { rotate: 30 } },
        yAxis: { type: "value", max: 1, axisLabel: { formatter: function (v) { return v * 100 + "%"; } } },
        tooltip: { trigger: "axis", valueFormatter: percent },
        series: [{ name: labels.rate, type: "bar",
                   data: data.children.map(function (c) { return { value: c.closure_rate, id: c.id }; }) }],
      }), true);
      children.off("click");
      children.on("click", function (e) { if (e.data && e.data.id) drillTo(e.data.id); });
    }
    var map = chart("chart-map");
    if (map && data.boundaries && data.boundaries.features.length) {
      mapName = "grid-" + data.node.id;
      echarts.registerMap(mapName, data.boundaries);
      var open = {};
      data.children.forEach(function (c) { open[c.name] = { value: c.open, id: c.id }; });
      var max = Math.max.apply(null, data.children.map(function (c) { return c.open; }).concat([1]));
      map.setOption({
        backgroundColor: "transparent",
        tooltip: { trigger: "item", formatter: function (p) { return p.name + "：" + labels.open + " " + (p.value || 0); } },
        visualMap: { min: 0, max: max, calculable: true, orient: "horizontal", left: "center", bottom: 0,
                     inRange: { color: ["#e3f2fd", "#ef9a9a", "#c62828"] }, textStyle: { color: TEXT } },
        series: [{ type: "map", map: mapName, roam: true, label: { show: true, color: wall ? "#fff" : "#222" },
                   data: data.boundaries.features.map(function (f) {
                     var c = open[f.properties.name] || { value: 0 };
                     return { name: f.properties.name, value: c.value };
                   }) }],
      }, true);
      var ids = {};
      data.boundaries.features.forEach(function (f) { ids[f.properties.name] = f.properties.id; });
      map.off("click");
      map.on("click", function (e) { if (ids[e.name]) drillTo(ids[e.name]); });
    }
  }

  function kpis(data) {
    document.querySelectorAll("[data-kpi]").forEach(function (el) {
      var value = el.dataset.kpi.split(".").reduce(function (o, k) { return o ? o[k] : undefined; }, data);
      el.textContent = el.dataset.format === "percent" ? percent(value) : (value === undefined ? "—" : value);
    });
  }

  function refresh() {
    var b = document.body.dataset;
    var q = new URLSearchParams({ node: b.node });
    if (b.period === "custom") { q.set("start", b.start); q.set("end", b.end); } else { q.set("period", b.period); }
    fetch(b.api + "?" + q.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (fresh) {
        fresh.boundaries = current.boundaries;  // boundaries do not change between refreshes
        current = fresh;
        kpis(fresh);
        draw(fresh);
        document.getElementById("wall-updated").dataset.at = new Date().toISOString();
      })
      .catch(function () { document.getElementById("wall-updated").classList.add("stale"); });
  }

  function tick() {
    var el = document.getElementById("wall-clock");
    if (el) el.textContent = new Date().toLocaleString();
  }

  var current = JSON.parse(document.getElementById("dashboard-data").textContent);
  draw(current);
  window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
  if (wall) {
    tick();
    setInterval(tick, 1000);
    setInterval(refresh, 60000);
  }
})();
