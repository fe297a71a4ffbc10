/* The phone view the server wrote into /project/<id> (dashboard/phone_view.py) gives way to
   Dash's page the moment that page is rendered: one copy of #verdict on the page at any time.
   Until then the entry point stays hidden (assets/phone_view.css), so Dash's loading text
   and empty shell never replace what the visitor is already reading. */
(function () {
  function handoff() {
    var view = document.getElementById("phone-view");
    if (!view) return true;
    var root = document.getElementById("react-entry-point");
    if (!root || !root.querySelector(".page")) return false;
    view.parentNode.removeChild(view);
    return true;
  }
  if (handoff()) return;
  var observer = new MutationObserver(function () {
    if (handoff()) observer.disconnect();
  });
  observer.observe(document.documentElement, { childList: true, subtree: true });
})();
