// The order form's line rows: add a row (a copy of the first, emptied), remove a row.
(function () {
  const body = document.getElementById("order-lines");
  document.getElementById("add-line").addEventListener("click", function () {
    const row = body.querySelector(".order-line").cloneNode(true);
    row.querySelectorAll("input").forEach(function (i) { i.value = i.name === "line_quantity" ? "1" : ""; });
    body.appendChild(row);
    if (window.htmx) { htmx.process(row); }
    row.querySelector("input").focus();
  });
  body.addEventListener("click", function (e) {
    const button = e.target.closest("[data-remove-line]");
    if (!button) { return; }
    const rows = body.querySelectorAll(".order-line");
    if (rows.length > 1) { button.closest("tr").remove(); } else { rows[0].querySelectorAll("input").forEach(function (i) { i.value = ""; }); }
  });
})();
