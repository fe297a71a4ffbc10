/* The phone header's menu button (dashboard/app.py): it opens and closes the main links
   (CSS shows them while aria-expanded is "true"); Escape, or following a link, closes them
   and Escape puts the focus back on the button. Delegated from the document, because React
   renders the header after this file runs. */
(function () {
  "use strict";

  function toggle() { return document.getElementById("nav-toggle"); }

  function setOpen(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  document.addEventListener("click", function (event) {
    var button = toggle();
    if (!button) return;
    if (event.target.closest("#nav-toggle")) {
      setOpen(button, button.getAttribute("aria-expanded") !== "true");
    } else if (event.target.closest("#main-nav a")) {
      setOpen(button, false);
    }
  });

  document.addEventListener("keydown", function (event) {
    var button = toggle();
    if (event.key !== "Escape" || !button || button.getAttribute("aria-expanded") !== "true") return;
    setOpen(button, false);
    button.focus();
  });
})();
