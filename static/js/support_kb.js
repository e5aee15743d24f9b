/* FAQ: the small rich editor (agent pages) and the portal's suggestions as you type.
 * Editor: a contenteditable per language with bold / italic / heading / lists / link buttons;
 * its HTML is copied into the (hidden) textarea on every change and on submit. Without
 * JavaScript the textarea stays visible and takes HTML. The server sanitizes either way. */
(function () {
  "use strict";

  function initEditor(root) {
    var editable = root.querySelector("[data-kb-editable]");
    var source = root.querySelector("[data-kb-source]");
    var toolbar = root.querySelector("[data-kb-toolbar]");
    if (!editable || !source || !toolbar) return;
    editable.classList.remove("d-none");
    toolbar.classList.remove("d-none");
    source.classList.add("d-none");
    source.setAttribute("tabindex", "-1");
    source.setAttribute("aria-hidden", "true");
    var label = document.getElementById(editable.getAttribute("aria-labelledby"));
    if (label) label.removeAttribute("for");
    if (label) label.addEventListener("click", function () { editable.focus(); });
    function sync() { source.value = editable.innerHTML; }
    editable.addEventListener("input", sync);
    editable.addEventListener("blur", sync);
    toolbar.addEventListener("click", function (ev) {
      var btn = ev.target.closest("[data-cmd]");
      if (!btn) return;
      ev.preventDefault();
      editable.focus();
      var cmd = btn.getAttribute("data-cmd");
      if (cmd === "bold" || cmd === "italic") document.execCommand(cmd);
      else if (cmd === "h2") document.execCommand("formatBlock", false, "h2");
      else if (cmd === "ul") document.execCommand("insertUnorderedList");
      else if (cmd === "ol") document.execCommand("insertOrderedList");
      else if (cmd === "link") {
        var url = window.prompt(btn.getAttribute("data-prompt") || "URL", "https://");
        if (url && /^(https?:|mailto:)/i.test(url.trim())) document.execCommand("createLink", false, url.trim());
      }
      sync();
    });
    var form = root.closest("form");
    if (form) form.addEventListener("submit", sync);
  }

  document.querySelectorAll("[data-kb-editor]").forEach(initEditor);

  /* Portal: suggestions while typing (debounced), links go through the deflection counter.
   * Arrow keys move through the list; Escape closes it. */
  function initSuggest(form) {
    var input = form.querySelector("input[type=search]");
    var list = form.querySelector(".kb-suggestions");
    var status = form.querySelector("[data-kb-suggest-status]");
    var url = form.getAttribute("data-kb-suggest");
    var lang = form.getAttribute("data-lang") || "";
    var timer = null;
    var seq = 0;
    if (!input || !list || !url) return;
    function close() { list.hidden = true; list.innerHTML = ""; input.setAttribute("aria-expanded", "false"); }
    function show(results) {
      list.innerHTML = "";
      results.forEach(function (r, i) {
        var li = document.createElement("li");
        li.className = "list-group-item p-0";
        li.setAttribute("role", "option");
        var a = document.createElement("a");
        a.href = r.url;
        a.textContent = r.title;
        a.className = "d-block px-3 py-2 text-decoration-none";
        a.setAttribute("data-testid", "portal-suggestion");
        a.id = "kb-suggestion-" + i;
        li.appendChild(a);
        list.appendChild(li);
      });
      list.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
      if (status) status.textContent = results.length ? String(results.length) : "";
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (!q) { close(); return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        fetch(url + "?q=" + encodeURIComponent(q) + "&lang=" + encodeURIComponent(lang) + "&source=portal",
              { headers: { "Accept": "application/json" }, credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) { if (mine === seq) show(data.results || []); })
          .catch(function () { /* suggestions are optional */ });
      }, 200);
    });
    function links() { return Array.prototype.slice.call(list.querySelectorAll("a")); }
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown" && !list.hidden) { var l = links(); if (l.length) { ev.preventDefault(); l[0].focus(); } }
      else if (ev.key === "Escape") close();
    });
    list.addEventListener("keydown", function (ev) {
      var l = links();
      var i = l.indexOf(document.activeElement);
      if (ev.key === "ArrowDown" && i < l.length - 1) { ev.preventDefault(); l[i + 1].focus(); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); if (i > 0) l[i - 1].focus(); else input.focus(); }
      else if (ev.key === "Escape") { close(); input.focus(); }
    });
  }

  document.querySelectorAll("[data-kb-suggest]").forEach(initSuggest);
})();
