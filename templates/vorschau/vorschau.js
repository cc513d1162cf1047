// lip vorschau: reload the page when the site was rebuilt, show lip check's problems in a
// banner. Served by the preview only (never part of the published site); no network beyond
// the preview's own address.
(function () {
  "use strict";
  var me = document.currentScript;
  var seite = me ? me.getAttribute("data-seite") : "";
  var meldungen = "";

  function banner(data) {
    var box = document.getElementById("lip-vorschau");
    var problems = data.probleme || [];
    if (!problems.length && !data.hinweis) {
      if (box) { box.remove(); }
      return;
    }
    if (!box) {
      box = document.createElement("section");
      box.id = "lip-vorschau";
      box.className = "lip-probleme";  // the site's problem banner (site.css)
      box.setAttribute("role", "alert");
      box.setAttribute("aria-label", "Probleme im Plan");
      document.body.insertBefore(box, document.body.firstChild);
    }
    box.textContent = "";
    var head = document.createElement("p");
    head.className = "lip-probleme-kopf";
    var errors = problems.filter(function (p) { return p.schwere === "fehler"; }).length;
    head.textContent = "lip check: " + errors + " Fehler, " + (problems.length - errors) +
      (problems.length - errors === 1 ? " Warnung" : " Warnungen") +
      (data.hinweis ? " – " + data.hinweis : "");
    box.appendChild(head);
    var list = document.createElement("ul");
    problems.forEach(function (p) {
      var item = document.createElement("li");
      var where = document.createElement("code");
      where.textContent = p.ort;
      item.appendChild(where);
      item.appendChild(document.createTextNode(" " + p.feld + ": " + p.text));
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  function poll() {
    fetch("/__vorschau/stand?seite=" + encodeURIComponent(seite) + "&meldungen=" +
          encodeURIComponent(meldungen), { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (String(data.seite) !== seite) {
          window.location.reload();
          return;
        }
        meldungen = String(data.meldungen);
        banner(data);
        poll();
      })
      .catch(function () { window.setTimeout(poll, 1000); });  // the preview restarts
  }

  poll();
})();
