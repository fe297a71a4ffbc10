/* Maps here draw only the bundled boundary GeoJSON. plotly.js still asks for its world
   base map (topojson from cdn.plot.ly) whenever a trace has a location mode, which fails
   offline and breaks the CSP. Register empty base maps under the names it asks for, so it
   never goes to the network; no base layer is shown, so nothing is lost. */
(function () {
  var names = ["world", "asia"].flatMap(function (s) { return [s + "_110m", s + "_50m"]; });
  var empty = { type: "GeometryCollection", geometries: [] };
  var layers = ["land", "ocean", "lakes", "rivers", "coastlines", "countries", "subunits"];
  window.PlotlyGeoAssets = window.PlotlyGeoAssets || { topojson: {} };
  names.forEach(function (name) {
    var objects = {};
    layers.forEach(function (layer) { objects[layer] = empty; });
    window.PlotlyGeoAssets.topojson[name] = { type: "Topology", objects: objects, arcs: [] };
  });
})();
