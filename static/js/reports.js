/* Daily reports: one tap puts a pulled-in activity into "What I did", the draft saves itself
   while the rep types (a few seconds after the last key), and the date pickers navigate. */
(function () {
  "use strict";

  document.querySelectorAll("[data-report-date]").forEach(function (input) {
    input.addEventListener("change", function () {
      if (input.value && input.form) input.form.submit();
    });
  });

  var form = document.querySelector("[data-report-form]");
  if (!form) return;
  var did = form.querySelector("textarea[name=did]");
  var status = form.querySelector("[data-autosave-status]");
  var timer = null;
  var dirty = false;
  var submitting = false;

  function insertLine(line) {
    if (!did || !line) return;
    var current = did.value.replace(/\s+$/, "");
    if (current.split("\n").indexOf(line) !== -1) return; // already there
    did.value = current ? current + "\n" + line : line;
    did.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.querySelectorAll("[data-report-insert]").forEach(function (button) {
    button.addEventListener("click", function () {
      insertLine(button.getAttribute("data-report-insert"));
      button.classList.add("list-group-item-success");
      button.setAttribute("aria-pressed", "true");
    });
  });
  var all = document.querySelector("[data-report-insert-all]");
  if (all) {
    all.addEventListener("click", function () {
      document.querySelectorAll("[data-report-insert]").forEach(function (b) { b.click(); });
    });
  }

  function save() {
    timer = null;
    if (!dirty || submitting) return;
    dirty = false;
    var data = new FormData(form);
    data.set("action", "save");
    fetch(form.getAttribute("data-autosave-url"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Autosave": "1", "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (!status) return;
      if (result.ok && result.body.saved) {
        status.textContent = result.body.message || "";
      } else if (result.body.errors) {
        var messages = [];
        Object.keys(result.body.errors).forEach(function (k) {
          messages = messages.concat(result.body.errors[k]);
        });
        status.textContent = messages.join(" ");
      }
    }).catch(function () {
      dirty = true; // offline for a moment: try again on the next change
    });
  }

  form.addEventListener("input", function () {
    if (!form.hasAttribute("data-autosave-url")) return; // submitted: saved by the button only
    dirty = true;
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 2500);
  });
  form.addEventListener("submit", function () {
    submitting = true;
    if (timer) clearTimeout(timer);
  });
})();
