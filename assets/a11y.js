/* Accessibility repairs Dash 4's components cannot take as properties (issue 17), applied to
   whatever React renders, again after every re-render (a MutationObserver):

   - <html lang> follows the page's `lang` URL field (the server sets it on the first load);
   - dcc.Dropdown: its trigger button is the one tab stop, named by its <label> and value
     (Dash puts an unnamed focus trampoline marked aria-hidden before it);
   - dcc.RadioItems / dcc.Checklist: native radios and checkboxes in their labels, without the
     listbox/option roles Dash wraps round them (interactive controls inside options);
   - dcc.RangeSlider: its thumbs named in the page's language (data-thumb-labels on a wrapper);
   - dcc.Tabs: a tablist of tabs reachable and chosen with the keyboard;
   - dash_table's page buttons: named in the page's language (data-pager-labels);
   - a region that scrolls sideways (a wide table on a phone) can take focus, so the keyboard
     can scroll it. */
(function () {
  "use strict";

  function pageLang() {
    var lang = new URLSearchParams(window.location.search).get("lang");
    return lang === "zh" ? "zh-Hant" : "en";
  }

  function setAttr(el, name, value) {
    if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  }

  function separator(text) {
    var node = document.createTextNode(text);
    node.a11ySeparator = true;
    return node;
  }
  function isSeparator(node) { return node && node.nodeType === 3 && node.a11ySeparator; }

  /* The chosen items' ", " as text between them (Dash draws it with ::before, which is not
     text: a reader and axe would hear "New Taipei CityTaipei City"), a space before the count. */
  function separators(wrap) {
    wrap.classList.add("a11y-separated");
    var value = wrap.querySelector(".dash-dropdown-value");
    if (value) {
      Array.prototype.slice.call(value.childNodes).forEach(function (node) {
        var prev = node.previousSibling;
        if (isSeparator(node) && (!prev || isSeparator(prev) || !node.nextSibling)) value.removeChild(node);
      });
      value.querySelectorAll(":scope > .dash-dropdown-value-item").forEach(function (item, i) {
        if (i && !isSeparator(item.previousSibling)) value.insertBefore(separator(", "), item);
      });
    }
    var count = wrap.querySelector(".dash-dropdown-value-count");
    if (count && !isSeparator(count.firstChild)) count.insertBefore(separator(" "), count.firstChild);
    // the mouse's clear button is no tab stop (the keyboard clears with Delete): not part of
    // the dropdown's name ("4 selectedClear selection")
    wrap.querySelectorAll("a.dash-dropdown-clear:not([href])").forEach(function (a) {
      setAttr(a, "aria-hidden", "true");
    });
  }

  function dropdowns(root) {
    root.querySelectorAll(".dash-dropdown-wrapper").forEach(function (wrap) {
      var trap = wrap.querySelector(":scope > .dash-dropdown-focus-target");
      var button = wrap.querySelector(":scope > button.dash-dropdown");
      if (!button) return;
      separators(wrap);
      if (trap) setAttr(trap, "tabindex", "-1");
      if (!button.disabled) setAttr(button, "tabindex", "0");
      var label = button.id && document.querySelector('label[for="' + CSS.escape(button.id) + '"]');
      if (label) {
        if (!label.id) label.id = button.id + "-label";
        // the label, then the button's own text (its value, ", " between items, the count)
        setAttr(button, "aria-labelledby", label.id + " " + button.id);
      }
    });
  }

  function optionLists(root) {
    // only radio and checkbox groups: a dropdown's open menu is a real listbox
    root.querySelectorAll(".dash-radioitems[role], .dash-checklist[role]").forEach(function (list) {
      list.removeAttribute("role");
      list.querySelectorAll(":scope > .dash-options-list-option").forEach(function (option) {
        option.removeAttribute("role");
        option.removeAttribute("aria-selected");
      });
    });
  }

  function sliders(root) {
    root.querySelectorAll("[data-thumb-labels]").forEach(function (wrap) {
      var labels = wrap.getAttribute("data-thumb-labels").split("|");
      wrap.querySelectorAll('[role="slider"]').forEach(function (thumb, i) {
        if (labels[i]) setAttr(thumb, "aria-label", labels[i]);
      });
      var inputs = [".dash-range-slider-min-input", ".dash-range-slider-max-input"];
      inputs.forEach(function (selector, i) {
        var input = wrap.querySelector(selector);
        if (input && labels[i]) setAttr(input, "aria-label", labels[i]);
      });
    });
  }

  /* dash_table's page buttons hold only an icon: named from data-pager-labels on a wrapper
     ("First page|Previous page|Next page|Last page|Page number", in the page's language). */
  function pagers(root) {
    root.querySelectorAll("[data-pager-labels]").forEach(function (wrap) {
      var labels = wrap.getAttribute("data-pager-labels").split("|");
      [".first-page", ".previous-page", ".next-page", ".last-page", ".current-page"].forEach(function (selector, i) {
        wrap.querySelectorAll(".previous-next-container " + selector).forEach(function (el) {
          if (labels[i]) setAttr(el, "aria-label", labels[i]);
        });
      });
    });
  }

  function tabs(root) {
    root.querySelectorAll(".tab-container").forEach(function (list) {
      setAttr(list, "role", "tablist");
      list.querySelectorAll(":scope > .tab").forEach(function (tab) {
        var selected = tab.classList.contains("tab--selected");
        setAttr(tab, "role", "tab");
        setAttr(tab, "aria-selected", selected ? "true" : "false");
        setAttr(tab, "tabindex", "0");
      });
    });
  }

  function scrollers(root) {
    root.querySelectorAll(".table-scroll, .sources .card, .page table").forEach(function (el) {
      if (el.scrollWidth > el.clientWidth + 1) {
        if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "0");
        if (el.tagName === "TABLE") return;  // a table keeps its role (a phone scrolls it)
        if (!el.hasAttribute("role")) el.setAttribute("role", "region");
        if (!el.hasAttribute("aria-label") && !el.hasAttribute("aria-labelledby")) {
          var heading = el.querySelector("caption, h2, h3");
          if (heading) {
            if (!heading.id) heading.id = "scroll-" + Math.random().toString(36).slice(2, 9);
            el.setAttribute("aria-labelledby", heading.id);
          }
        }
      }
    });
  }

  var queued = false;
  function repair() {
    queued = false;
    var kiosk = document.getElementById("kiosk-root");  // its language button switches in place
    setAttr(document.documentElement, "lang", (kiosk && kiosk.getAttribute("lang")) || pageLang());
    var langButton = document.getElementById("kiosk-lang-btn");  // names the other language
    if (langButton) setAttr(langButton, "lang", /[\u4e00-\u9fff]/.test(langButton.textContent) ? "zh-Hant" : "en");
    var root = document.getElementById("react-entry-point");
    if (!root) return;
    dropdowns(root);
    optionLists(root);
    sliders(root);
    tabs(root);
    pagers(root);
    scrollers(root);
  }
  function queue() {
    if (!queued) { queued = true; window.requestAnimationFrame(repair); }
  }

  document.addEventListener("keydown", function (e) {
    var tab = e.target && e.target.closest ? e.target.closest('.tab-container > [role="tab"]') : null;
    if (!tab) return;
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); tab.click(); return; }
    if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
      var all = Array.prototype.slice.call(tab.parentElement.querySelectorAll(':scope > [role="tab"]'));
      var next = all[(all.indexOf(tab) + (e.key === "ArrowRight" ? 1 : -1) + all.length) % all.length];
      e.preventDefault();
      next.focus();
    }
  });
  window.addEventListener("resize", queue);
  window.addEventListener("popstate", queue);
  new MutationObserver(queue).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["tabindex", "role", "class", "lang"], characterData: true
  });
  queue();
})();
