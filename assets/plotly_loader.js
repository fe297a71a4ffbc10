/* Graphs draw with the partial plotly.js bundle named by <meta name="gosmart-plotlyjs">
   (dashboard/plotlyjs.py says why), never Dash's full plotly.min.js, and one at a time.

   dcc.Graph waits on `window.Plotly` when it is defined (Promise.resolve(window.Plotly))
   and otherwise fetches the full build itself. So window.Plotly starts as a promise of
   plotly.js, and the bundle is fetched once this page's own scripts have run
   (DOMContentLoaded): it then downloads and compiles while the page asks the server for
   its layout, instead of after a graph appears; running, it replaces window.Plotly with
   the library.

   Every graph on a page waits on that one promise, so all of them would draw in a single
   task and the screen would show none until the last one is done (4 s for the seven
   charts of a project page on a slow phone). Plotly.react therefore runs each call in a
   task of its own, in the order the graphs asked: the browser paints the first chart as
   soon as it is drawn. Without the tag, Dash's default stays in place. */
(function () {
  var meta = document.querySelector('meta[name="gosmart-plotlyjs"]');
  if (!meta || !meta.content || window.Plotly) return;
  var url = meta.content;

  function nextTask() {
    return new Promise(function (resolve) { setTimeout(resolve, 0); });
  }

  function oneAtATime(Plotly) {
    var react = Plotly.react, last = Promise.resolve();
    Plotly.react = function () {
      var args = arguments;
      var run = last.then(nextTask).then(function () { return react.apply(Plotly, args); });
      last = run.catch(function () { /* the caller sees the error; the queue goes on */ });
      return run;
    };
    return Plotly;
  }

  window.Plotly = new Promise(function (resolve, reject) {
    function load() {
      var script = document.createElement("script");
      script.src = url;
      script.async = true;
      script.onload = function () {
        if (window.Plotly && typeof window.Plotly.react === "function") resolve(oneAtATime(window.Plotly));
        else reject(new Error("plotly.js from " + url + " did not define Plotly"));
      };
      script.onerror = function () { reject(new Error("plotly.js did not load from " + url)); };
      document.head.appendChild(script);
    }
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", load);
    else load();
  });
})();
