/* Graphs draw with the partial plotly.js bundle in assets/plotly/ (dashboard/plotlyjs.py says
   why), never Dash's full plotly.min.js, and one at a time.

   dcc.Graph waits on `window.Plotly` when it is defined (Promise.resolve(window.Plotly))
   and otherwise fetches the full build itself. So window.Plotly starts as a promise of
   plotly.js, and the bundle is imported once this page's own scripts have run
   (DOMContentLoaded): it then downloads and compiles while the page asks the server for
   its layout, instead of after a graph appears; loaded, it becomes window.Plotly. The
   <meta> tags name the entry, the chunk it imports (fetched at the same time rather than
   after the entry) and the geo entry, imported before the first figure with a map trace.

   Every graph on a page waits on that one promise, so all of them would draw in a single
   task and the screen would show none until the last one is done (4 s for the seven
   charts of a project page on a slow phone). Plotly.react therefore runs each call in a
   task of its own, in the order the graphs asked: the browser paints the first chart as
   soon as it is drawn. Without the tags, Dash's default stays in place.

   Only pages with a chart load it (see the end). */
(function () {
  function meta(name) {
    var tag = document.querySelector('meta[name="' + name + '"]');
    return tag ? tag.content : "";
  }
  var entry = meta("gosmart-plotlyjs"), geoEntry = meta("gosmart-plotlyjs-geo");
  if (!entry || !geoEntry || window.Plotly) return;

  function nextTask() {
    return new Promise(function (resolve) { setTimeout(resolve, 0); });
  }

  function tracesOf(figure) {
    var data = Array.isArray(figure) ? figure : (figure && figure.data) || [];
    return data.map(function (trace) { return (trace && trace.type) || "scatter"; });
  }

  function wrap(Plotly, geoTraces) {
    var react = Plotly.react, last = Promise.resolve(), geo = null;
    function needed(figure) {
      var wantsGeo = tracesOf(figure).some(function (t) { return geoTraces.indexOf(t) >= 0; });
      if (!wantsGeo) return null;
      geo = geo || import(geoEntry);
      return geo;
    }
    Plotly.react = function (gd, figure) {
      var args = arguments;
      var run = last.then(nextTask)
        .then(function () { return needed(figure); })
        .then(function () {
          // a graph taken off the page while it waited its turn (the visitor moved on)
          if (gd && gd.isConnected === false) return gd;
          return react.apply(Plotly, args);
        });
      last = run.catch(function () { /* the caller sees the error; the queue goes on */ });
      return run;
    };
    return Plotly;
  }

  function prefetch() {
    meta("gosmart-plotlyjs-chunks").split(" ").concat([entry]).forEach(function (url) {
      if (!url) return;
      var link = document.createElement("link");
      link.rel = "modulepreload";
      link.href = url;
      document.head.appendChild(link);
    });
  }

  var loading = null;
  function start() {
    loading = loading || new Promise(function (resolve, reject) {
      function load() {
        prefetch();
        import(entry).then(function (module) {
          var Plotly = wrap(module.default, module.geoTraces || []);
          window.Plotly = Plotly;
          resolve(Plotly);
        }, function (error) {
          reject(new Error("plotly.js did not load from " + entry + ": " + error));
        });
      }
      if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", load);
      else load();
    });
    return loading;
  }

  /* A page that opens with a chart (the server says so with the "eager" tag) imports
     plotly.js as soon as its scripts have run.
     Any other page (/about) fetches none of it until a graph first asks: dcc.Graph's
     Promise.resolve(window.Plotly) calls `then` on this object when it mounts. */
  window.Plotly = meta("gosmart-plotlyjs-eager") ? start() : {
    then: function (onLoaded, onFailed) { return start().then(onLoaded, onFailed); }
  };
})();
