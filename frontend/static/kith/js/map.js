// The "needs near you" map: an extra on top of the list, which holds the same needs. Only
// approximate places are drawn (the centre of each published grid cell, as a circle the size
// of the cell), never anyone's exact location. Without JavaScript, or without a tile server
// configured, the page shows the list alone.
(function () {
  "use strict";
  var element = document.getElementById("needs-map");
  if (!element || typeof window.L === "undefined") return;
  var tileUrl = element.getAttribute("data-tile-url");
  var data = document.getElementById(element.getAttribute("data-points-id"));
  if (!tileUrl || !data) return;
  var points = JSON.parse(data.textContent);
  if (!points.length) return;

  element.hidden = false;
  var map = window.L.map(element, { scrollWheelZoom: false });
  map.attributionControl.setPrefix("Leaflet");
  window.L.tileLayer(tileUrl, {
    maxZoom: 16,
    attribution: element.getAttribute("data-attribution") || "",
  }).addTo(map);

  var bounds = [];
  points.forEach(function (point) {
    var circle = window.L.circle([point.lat, point.lng], {
      radius: 250,
      color: "#1d70b8",
      weight: 2,
      fillOpacity: 0.25,
    }).addTo(map);
    var link = document.createElement("a");
    link.href = point.url;
    link.className = "govuk-link";
    link.textContent = point.label;
    circle.bindPopup(link);
    bounds.push([point.lat, point.lng]);
  });
  map.fitBounds(bounds, { padding: [30, 30], maxZoom: 14 });
})();
