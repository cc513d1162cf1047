// Filter for the Maßnahmenkatalog (massnahmen.html). The table is complete without this
// script; it only shows the filter form and hides rows that do not match.
(function () {
  "use strict";
  var form = document.getElementById("massnahmen-filter");
  var table = document.getElementById("massnahmen");
  if (!form || !table) { return; }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var count = document.getElementById("massnahmen-anzahl");
  var total = rows.length;

  function value(name) { return form.elements[name].value.trim().toLowerCase(); }

  function apply() {
    var feld = form.elements.feld.value;
    var lead = form.elements.federfuehrung.value;
    var group = value("zielgruppe");
    var words = value("text").split(/\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row) {
      var d = row.dataset;
      var ok = (!feld || d.feld === feld) &&
        (!lead || d.federfuehrung.split("|").indexOf(lead) !== -1) &&
        (!group || d.zielgruppe.indexOf(group) !== -1) &&
        words.every(function (w) { return d.text.indexOf(w) !== -1; });
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown === total ? total + (total === 1 ? " Maßnahme" : " Maßnahmen")
      : shown + " von " + total + " Maßnahmen";
  }

  form.hidden = false;
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  apply();
})();

// "nächste/vorige Änderung" on the redline pages: buttons and the keys j/n and k/p step
// through the insertions and deletions (a deletion directly followed by its insertion is one
// stop). The page is complete without this script; it only shows the navigation.
(function () {
  "use strict";
  var nav = document.querySelector(".change-nav");
  if (!nav) { return; }
  function isChange(node) {
    return node && node.nodeType === 1 && (node.tagName === "INS" || node.tagName === "DEL");
  }
  function previousElement(node) {
    var p = node.previousSibling;
    while (p && p.nodeType === 3 && !p.textContent.trim()) { p = p.previousSibling; }
    return p;
  }
  // every redline on the page (the changes between Fassungen have one per chapter)
  var stops = Array.prototype.filter.call(document.querySelectorAll(".redline ins, .redline del"), function (el) {
    return !isChange(el.parentElement.closest("ins, del")) && !isChange(previousElement(el));
  });
  var count = nav.querySelector(".change-count");
  var current = -1;
  function show(i) {
    if (!stops.length) { return; }
    current = (i + stops.length) % stops.length;
    stops.forEach(function (el) { el.classList.remove("current"); });
    var el = stops[current];
    el.classList.add("current");
    el.setAttribute("tabindex", "-1");
    el.focus({preventScroll: true});
    el.scrollIntoView({block: "center"});
    count.textContent = "Änderung " + (current + 1) + " von " + stops.length;
  }
  nav.hidden = false;
  count.textContent = stops.length === 1 ? "1 Änderung" : stops.length + " Änderungen";
  nav.addEventListener("click", function (e) {
    var step = e.target.getAttribute && e.target.getAttribute("data-step");
    if (step) { show(current + Number(step)); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || e.defaultPrevented) { return; }
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) { return; }
    var step = {j: 1, n: 1, k: -1, p: -1}[e.key];
    if (step) { e.preventDefault(); show(current < 0 && step < 0 ? -1 : current + step); }
  });
})();
