/* Kiosk loop (/kiosk only): slide timer, progress, touch/keyboard controls, idle reset,
   alternate-language cycle and a reload after long uptime. Only the kiosk's HTML links
   this file (dashboard/page_assets.py); even so nothing here acts without #kiosk-root.

   The loop lives in the browser: the server only (re)builds slide content, so a slow or
   failing server never stops the rotation. State shown for tests and operators:
   #kiosk-root[data-current] (slide id), [data-mode] (attract | visitor), [data-lang],
   window.gosmartKiosk.history (slides shown, in order) and .state() (timers, data status). */
(function () {
  "use strict";

  var TICK_MS = 100;
  var k = null; // state of the kiosk instance on the page, or null

  function now() { return Date.now(); }
  function root() { return document.getElementById("kiosk-root"); }
  function slides() { return k ? Array.prototype.slice.call(k.root.querySelectorAll(".kiosk-deck > .kiosk-slide")) : []; }
  function usable(el) { return el && !el.classList.contains("is-empty"); }
  function dwell(el) { return Math.max(300, parseInt(el && el.getAttribute("data-duration-ms"), 10) || 10000); }

  function setProps(id, props) {
    var dc = window.dash_clientside;
    if (dc && typeof dc.set_props === "function") {
      try { dc.set_props(id, props); } catch (e) { /* the loop goes on without it */ }
    }
  }

  function init(r) {
    var langs = (r.getAttribute("data-langs") || "en").split(",");
    k = {
      root: r, index: -1, shownAt: now(), mode: "attract", lastInput: now(), loadedAt: now(),
      lang: r.getAttribute("data-lang") || langs[0], defaultLang: r.getAttribute("data-default-lang") || langs[0],
      langs: langs, idleMs: parseInt(r.getAttribute("data-idle-ms"), 10) || 60000,
      reloadMs: parseInt(r.getAttribute("data-reload-ms"), 10) || 6 * 3600 * 1000,
      cycle: r.getAttribute("data-cycle") === "1", status: { ok: true }, reloading: false
    };
    window.gosmartKiosk.history = [];
    setMode("attract");
    var first = step(-1, 1);
    show(first < 0 ? 0 : first, 1);
    try { r.focus({ preventScroll: true }); } catch (e) { /* not focusable yet */ }
  }

  /* The next usable slide from `from` in direction `dir` (wrapping); -1 when none. */
  function step(from, dir) {
    var list = slides(), n = list.length;
    for (var i = 1; i <= n; i++) {
      var j = ((from + dir * i) % n + n) % n;
      if (usable(list[j])) return j;
    }
    return -1;
  }

  function show(i, dir) {
    var list = slides();
    if (!list.length || i < 0) return;
    var prev = k.index, el = list[i];
    list.forEach(function (other, j) {
      if (j !== i && j !== prev && other.getAttribute("data-state")) other.setAttribute("data-state", "");
    });
    if (prev !== i && list[prev]) list[prev].setAttribute("data-state", dir > 0 ? "before" : "");
    if (prev !== i) { // enter from the right (forward) or the left (back), without animating the jump there
      el.style.transition = "none";
      el.setAttribute("data-state", dir < 0 ? "before" : "");
      void el.offsetWidth;
      el.style.transition = "";
    }
    el.setAttribute("data-state", "active");
    k.index = i;
    k.shownAt = now();
    var id = list[i].getAttribute("data-slide-id");
    k.root.setAttribute("data-current", id);
    window.gosmartKiosk.history.push({ id: id, lang: k.lang, mode: k.mode, at: k.shownAt });
    if (window.gosmartKiosk.history.length > 500) window.gosmartKiosk.history.shift();
    syncDots(list);
  }

  function syncDots(list) {
    var dots = k.root.querySelectorAll(".kiosk-dot");
    for (var j = 0; j < dots.length; j++) {
      dots[j].setAttribute("data-active", j === k.index ? "1" : "0");
      dots[j].setAttribute("data-empty", usable(list[j]) ? "0" : "1");
    }
  }

  function setMode(mode) {
    k.mode = mode;
    k.root.setAttribute("data-mode", mode);
  }

  function setLang(lang) {
    if (!lang || lang === k.lang) return;
    k.lang = lang;
    k.root.setAttribute("data-lang", lang);
    k.root.setAttribute("lang", lang === "zh" ? "zh-Hant" : lang);
    setProps("kiosk-lang", { data: lang });
  }

  function otherLang() { return k.langs[(k.langs.indexOf(k.lang) + 1) % k.langs.length]; }

  /* Advance in the attract loop; at the end of a loop, switch language and maybe reload. */
  function advance() {
    var next = step(k.index, 1);
    if (next < 0) return;
    if (next <= k.index) { // wrapped: one loop done
      if (maybeReload()) return;
      if (k.cycle) setLang(otherLang());
    }
    show(next, 1);
  }

  function maybeReload() {
    if (k.reloading || now() - k.loadedAt < k.reloadMs || !k.status.ok) return false;
    k.reloading = true;
    fetch(window.location.pathname, { cache: "no-store", credentials: "same-origin" })
      .then(function (res) { if (res.ok) { window.location.reload(); } else { k.reloading = false; } })
      .catch(function () { k.reloading = false; k.loadedAt = now() - k.reloadMs + 60000; });
    return false;
  }

  function visitor() {
    k.lastInput = now();
    if (k.mode !== "visitor") setMode("visitor");
  }

  function resetToAttract() {
    setLang(k.defaultLang);
    setMode("attract");
    var list = slides(), title = -1;
    for (var j = 0; j < list.length; j++) {
      if (list[j].classList.contains("kiosk-title") && usable(list[j])) { title = j; break; }
    }
    if (title < 0) title = step(-1, 1);
    show(title, -1);
  }

  function act(action) {
    if (!k) return;
    if (action === "toggle") {
      if (k.mode === "visitor") { setMode("attract"); k.shownAt = now(); } else { visitor(); }
      return;
    }
    visitor();
    if (action === "next") show(step(k.index, 1), 1);
    else if (action === "prev") show(step(k.index, -1), -1);
    else if (action === "lang") setLang(otherLang());
  }

  function progress(fraction) {
    var fill = k.root.querySelector(".kiosk-progress-fill");
    if (fill) fill.style.transform = "scaleX(" + Math.max(0, Math.min(1, fraction)).toFixed(3) + ")";
  }

  function tick() {
    var r = root();
    if (!r) { k = null; return; }
    if (!k || k.root !== r) init(r);
    var list = slides();
    if (!list.length) return;
    var current = list[k.index];
    if (!usable(current) || current.getAttribute("data-state") !== "active") {
      // a refresh emptied or re-rendered it: move on (or re-mark it)
      if (!usable(current)) { show(step(k.index, 1), 1); return; }
      current.setAttribute("data-state", "active");
    }
    syncDots(list);
    var t = now();
    if (k.mode === "attract") {
      var total = dwell(current);
      progress((t - k.shownAt) / total);
      if (t - k.shownAt >= total) advance();
    } else {
      var left = Math.max(0, k.idleMs - (t - k.lastInput));
      progress(left / k.idleMs);
      var countdown = r.querySelector(".kiosk-countdown");
      if (countdown) countdown.textContent = Math.ceil(left / 1000) + " s";
      if (left <= 0) resetToAttract();
    }
  }

  function inKiosk(target) { return k && target && k.root.contains(target); }

  document.addEventListener("click", function (e) {
    var button = e.target && e.target.closest ? e.target.closest("[data-kiosk-action]") : null;
    if (button && inKiosk(button)) { e.preventDefault(); act(button.getAttribute("data-kiosk-action")); }
  });
  document.addEventListener("pointerdown", function (e) {
    if (!inKiosk(e.target)) return;
    if (e.target.closest && e.target.closest("[data-kiosk-action]")) return;
    visitor();
  });
  document.addEventListener("keydown", function (e) {
    if (!k || !root()) return;
    var keys = { ArrowRight: "next", PageDown: "next", ArrowLeft: "prev", PageUp: "prev", " ": "toggle", l: "lang", L: "lang" };
    if (e.key === "Escape") { resetToAttract(); return; }
    if (keys[e.key]) { e.preventDefault(); act(keys[e.key]); }
  });

  window.gosmartKiosk = {
    history: [],
    setStatus: function (status) { if (k && status) k.status = status; },
    state: function () {
      return k ? { index: k.index, mode: k.mode, lang: k.lang, status: k.status,
                   uptimeMs: now() - k.loadedAt, reloadMs: k.reloadMs, idleMs: k.idleMs } : null;
    }
  };
  setInterval(tick, TICK_MS);
})();
