// The report form (/report/): the description counter, the choice between a building/unit and a map pin,
// the pin map (a tap places the pin, "use my location" asks the phone), the photo count, and one submit
// only. The map draws the grid boundaries the user may see (/api/v1/grids.geojson) and the buildings of
// the unit picker on a plain background unless a tile URL is configured. Points are WGS84 (what the
// browser's geolocation and the boundaries use), sent with crs=wgs84. Without JavaScript the form still
// works with the unit picker.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;

  function fire(name) {
    document.body.dispatchEvent(new CustomEvent(name, { bubbles: true }));
  }

  // -- description counter ----------------------------------------------------------------------------
  var description = document.getElementById("report-description");
  var counter = document.querySelector("#report-description-count [data-count]");
  if (description && counter) {
    var count = function () { counter.textContent = String(description.value.length); };
    description.addEventListener("input", count);
    count();
  }

  // -- where: a unit or a pin ---------------------------------------------------------------------------
  var mapEl = document.getElementById("report-map");
  var lonInput = document.getElementById("report-lon");
  var latInput = document.getElementById("report-lat");
  var status = document.getElementById("report-pin-status");
  var map = null;
  var pin = null;

  function where() {
    var checked = form.querySelector("input[name=where]:checked");
    return checked ? checked.value : "map";
  }

  function showWhere() {
    var current = where();
    var blocks = form.querySelectorAll("[data-where]");
    for (var i = 0; i < blocks.length; i++) blocks[i].hidden = blocks[i].dataset.where !== current;
    if (current === "map") {
      if (!map) initMap();
      else map.invalidateSize();
    }
  }

  function setStatus(text) {
    if (status) status.textContent = text;
  }

  function placePin(lat, lon, zoom) {
    lonInput.value = lon.toFixed(6);
    latInput.value = lat.toFixed(6);
    setStatus(status.dataset.msgPlaced + latInput.value + ", " + lonInput.value);
    if (map) {
      if (pin) pin.setLatLng([lat, lon]);
      else pin = L.marker([lat, lon], { keyboard: false }).addTo(map);
      if (zoom) map.setView([lat, lon], Math.max(map.getZoom(), zoom));
    }
    mapEl.setAttribute("data-pinned", "true");
    fire("pinmoved");
  }

  function clearPin() {
    lonInput.value = "";
    latInput.value = "";
    if (pin && map) map.removeLayer(pin);
    pin = null;
    mapEl.removeAttribute("data-pinned");
    setStatus(status.dataset.msgNone);
    fire("pinmoved");
  }

  function buildings() {
    var data = document.getElementById("report-buildings");
    try { return data ? JSON.parse(data.textContent) : []; } catch (e) { return []; }
  }

  function initMap() {
    if (!mapEl || typeof L === "undefined") return;
    map = L.map(mapEl, {
      attributionControl: !!mapEl.dataset.tileUrl,
      // One finger scrolls the page on a phone; two move the map (as on the grid browser).
      dragging: !L.Browser.mobile,
      zoomSnap: mapEl.dataset.tileUrl ? 1 : 0.25,
    });
    if (mapEl.dataset.tileUrl) {
      L.tileLayer(mapEl.dataset.tileUrl, { attribution: mapEl.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    map.setView([37.2, 112.17], 12);
    var landmarks = buildings();
    var marks = L.featureGroup(landmarks.map(function (b) {
      return L.circleMarker([b.lat, b.lon], { radius: 5, color: "#5f5f5f", weight: 1, fillOpacity: 0.6, interactive: false })
        .bindTooltip(b.name, { permanent: true, direction: "top", className: "building-label", interactive: false });
    })).addTo(map);
    var framed = false;
    if (landmarks.length) {
      map.fitBounds(marks.getBounds(), { maxZoom: 17, padding: [24, 24] });
      framed = true;
    }
    var lat = parseFloat(latInput.value);
    var lon = parseFloat(lonInput.value);
    if (!isNaN(lat) && !isNaN(lon)) {
      pin = L.marker([lat, lon], { keyboard: false }).addTo(map);
      map.setView([lat, lon], 17);
      mapEl.setAttribute("data-pinned", "true");
      framed = true;
    }
    map.on("click", function (e) { placePin(e.latlng.lat, e.latlng.lng); });

    fetch(mapEl.dataset.geojson, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (data) {
        var order = ["district", "subdistrict", "community", "area_grid", "estate_grid", "micro_grid"];
        var deepest = -1;
        data.features.forEach(function (f) { deepest = Math.max(deepest, order.indexOf(f.properties.level)); });
        var layer = L.geoJSON(data, {
          interactive: false,
          style: function (f) {
            var fine = order.indexOf(f.properties.level) >= order.indexOf("estate_grid");
            return { color: fine ? "#1565c0" : "#b22222", weight: fine ? 1.5 : 1, fillOpacity: fine ? 0.06 : 0, dashArray: fine ? null : "4 4" };
          },
        }).addTo(map);
        if (marks) marks.bringToFront();
        mapEl.setAttribute("data-features", data.features.length);
        if (!framed && data.features.length) {
          // Frame the smallest grids the user has (a resident: their estate and micro-grid).
          var finest = L.geoJSON({ type: "FeatureCollection", features: data.features.filter(function (f) {
            return order.indexOf(f.properties.level) === deepest;
          }) });
          map.fitBounds(finest.getBounds(), { padding: [8, 8] });
        }
        return layer;
      })
      .catch(function (err) {
        mapEl.setAttribute("data-features", "0");
        mapEl.setAttribute("data-error", String(err));
      });
  }

  var radios = form.querySelectorAll("input[name=where]");
  for (var i = 0; i < radios.length; i++) radios[i].addEventListener("change", showWhere);
  if (mapEl) showWhere();

  var locate = document.getElementById("report-locate");
  if (locate) {
    locate.addEventListener("click", function () {
      if (!navigator.geolocation) {
        setStatus(locate.dataset.msgUnsupported);
        return;
      }
      setStatus(locate.dataset.msgLocating);
      locate.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          locate.disabled = false;
          placePin(position.coords.latitude, position.coords.longitude, 17);
        },
        function () {
          locate.disabled = false;
          setStatus(locate.dataset.msgFailed);
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }
  var clear = document.getElementById("report-clear-pin");
  if (clear) clear.addEventListener("click", clearPin);

  // -- photos: at most N across the camera and the album ---------------------------------------------------
  var photoInputs = form.querySelectorAll("input[type=file][name=photos]");
  var photoCount = document.getElementById("report-photo-count");
  var maxPhotos = Number(form.dataset.photosMax || 9);

  function countPhotos() {
    var n = 0;
    for (var i = 0; i < photoInputs.length; i++) n += photoInputs[i].files ? photoInputs[i].files.length : 0;
    var tooMany = n > maxPhotos;
    for (var j = 0; j < photoInputs.length; j++) photoInputs[j].setCustomValidity(tooMany ? form.dataset.msgTooMany : "");
    if (photoCount) {
      photoCount.textContent = tooMany ? form.dataset.msgTooMany : n ? form.dataset.msgPhotos.replace("{n}", n) : "";
      photoCount.classList.toggle("error", tooMany);
    }
  }
  for (var k = 0; k < photoInputs.length; k++) photoInputs[k].addEventListener("change", countPhotos);

  // -- one submit: a double tap sends the form once (the server also keys each form) ------------------------
  var submit = document.getElementById("report-submit");
  var submitLabel = submit ? submit.textContent : "";
  form.addEventListener("submit", function (e) {
    if (form.dataset.sending) {
      e.preventDefault();
      return;
    }
    form.dataset.sending = "true";
    if (submit) {
      submit.setAttribute("aria-disabled", "true");
      submit.textContent = form.dataset.msgSending;
    }
  });
  // Back to a page kept in the browser's cache: the form can be sent again.
  window.addEventListener("pageshow", function (e) {
    if (!e.persisted) return;
    delete form.dataset.sending;
    if (submit) {
      submit.removeAttribute("aria-disabled");
      submit.textContent = submitLabel;
    }
  });

  // Errors after a submission: show the summary first.
  var summary = document.getElementById("report-errors");
  if (summary) summary.focus();
})();
