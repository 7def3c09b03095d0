// Two maps. First, the "needs near you" map: an extra on top of the list, which holds the same needs. Only
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
  // Leaflet's own controls speak English: the page gives their words in its language.
  var map = window.L.map(element, { scrollWheelZoom: false, zoomControl: false });
  window.L.control
    .zoom({
      zoomInTitle: element.getAttribute("data-zoom-in") || "Zoom in",
      zoomOutTitle: element.getAttribute("data-zoom-out") || "Zoom out",
    })
    .addTo(map);
  map.on("popupopen", function (event) {
    var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
    if (close) close.setAttribute("aria-label", element.getAttribute("data-close") || "Close");
  });
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

// Second, the oversight page's hexagon map of open needs, drawn by the server as SVG with the
// table of places under it. Each place in the table links to its hexagon (`#demand-cell-N`),
// which CSS outlines while it is the page's target, without JavaScript. With it, choosing a
// place also marks its hexagon and row, scrolls the map into view, and moving the pointer over
// a hexagon marks its row in the table.
(function () {
  "use strict";
  var map = document.querySelector(".kith-demand-map");
  if (!map) return;
  var current = "kith-demand-map__cell--current";

  function mark(id) {
    var cells = map.querySelectorAll("." + current);
    for (var i = 0; i < cells.length; i++) cells[i].classList.remove(current);
    var rows = document.querySelectorAll(".kith-demand-row--current");
    for (var j = 0; j < rows.length; j++) rows[j].classList.remove("kith-demand-row--current");
    var cell = id && document.getElementById(id);
    if (!cell || !map.contains(cell)) return false;
    cell.classList.add(current);
    var row = document.getElementById("row-" + id);
    if (row) row.classList.add("kith-demand-row--current");
    return true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-map-cell]");
    if (!link) return;
    if (mark(link.getAttribute("data-map-cell"))) {
      map.scrollIntoView({ block: "center" });
    }
  });
  window.addEventListener("hashchange", function () {
    mark(window.location.hash.slice(1));
  });
  mark(window.location.hash.slice(1));
})();
