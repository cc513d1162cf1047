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
    count.textContent = shown === total ? total + " Maßnahmen"
      : shown + " von " + total + " Maßnahmen";
  }

  form.hidden = false;
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  apply();
})();
