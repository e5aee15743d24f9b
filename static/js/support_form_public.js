// The public inquiry form: tells an embedding page its height (support_form_embed.js
// listens), moves focus to the error summary, and suggests FAQ articles while the customer
// types the subject or the inquiry (when the FAQ's suggestion endpoint exists).
(function () {
  "use strict";

  function postHeight() {
    if (window.parent === window) return;
    var height = Math.ceil(document.documentElement.scrollHeight);
    window.parent.postMessage({ type: "crm-form-height", height: height }, "*");
  }

  function suggestions(form) {
    var url = form.dataset.suggestUrl;
    var box = document.querySelector("[data-wf-suggestions]");
    var list = document.querySelector("[data-wf-suggestion-list]");
    if (!url || !box || !list) return;
    var inputs = form.querySelectorAll("[data-wf-suggest]");
    var timer = null;
    var last = "";
    function run() {
      var q = Array.prototype.map.call(inputs, function (el) { return el.value; }).join(" ").trim();
      if (q.length < 2 || q === last) return;
      last = q;
      var params = new URLSearchParams({ q: q.slice(0, 400), lang: form.dataset.lang || "", source: "form" });
      fetch(url + "?" + params.toString(), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) {
          var results = (data && data.results) || [];
          list.replaceChildren();
          results.slice(0, 5).forEach(function (item) {
            var li = document.createElement("li");
            var a = document.createElement("a");
            a.textContent = item.title || "";
            a.href = item.url || "#";
            a.target = "_blank";
            a.rel = "noopener";
            li.appendChild(a);
            list.appendChild(li);
          });
          box.classList.toggle("d-none", results.length === 0);
          postHeight();
        })
        .catch(function () { /* no suggestions: the form works without them */ });
    }
    inputs.forEach(function (el) {
      el.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(run, 400);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-wf-focus]");
    if (summary) summary.focus();
    var form = document.querySelector("[data-wf-form]");
    if (form) suggestions(form);
    postHeight();
    if (window.ResizeObserver) new ResizeObserver(postHeight).observe(document.body);
    window.addEventListener("load", postHeight);
  });
})();
