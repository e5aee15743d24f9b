// The inquiry form builder (support:form_edit). The definition lives here as one object,
// is drawn into the field list, the side panel and the preview, and is saved whole as JSON
// (support:form_save): the server checks all of it and saves all of it or nothing.
// Every text shown is set with textContent; the translations come from the page.
(function () {
  "use strict";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "class") node.className = attrs[k];
      else if (k === "dataset") Object.assign(node.dataset, attrs[k]);
      else node.setAttribute(k, attrs[k]);
    });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function json(id) { var n = document.getElementById(id); return n ? JSON.parse(n.textContent) : null; }

  document.addEventListener("DOMContentLoaded", function () {
    var def = json("wf-definition");
    var opts = json("wf-options");
    var T = json("wf-text");
    if (!def || !opts) return;

    var list = $("[data-wf-fields]");
    var panel = $("[data-wf-panel]");
    var preview = $("[data-wf-preview]");
    var status = $("[data-wf-status]");
    var errorsBox = $("[data-wf-errors]");
    var undoBar = $("[data-wf-undo]");
    var selected = def.fields.length ? 0 : -1;
    var dirty = false;
    var errors = {};
    var removed = null;
    var undoTimer = null;
    var dragFrom = -1;
    var typeLabel = {};
    opts.field_types.forEach(function (t) { typeLabel[t.value] = t.label; });
    var targetLabel = {};
    opts.targets.forEach(function (t) { targetLabel[t.value] = t.label; });

    function fmt(s, n) { return s.replace("%(n)s", String(n)); }
    function markDirty() {
      dirty = true;
      status.textContent = T.unsaved;
      status.dataset.state = "dirty";
    }

    // --- form settings (the side panel's second tab) ---------------------------------------
    $all("[data-wf-attr]").forEach(function (input) {
      var attr = input.dataset.wfAttr;
      var value = def[attr];
      if (attr === "notify_emails") value = (value || []).join("\n");
      input.value = value === null || value === undefined ? "" : String(value);
      input.addEventListener("input", function () {
        def[attr] = attr === "notify_emails" ? input.value.split(/\n|,/) : input.value;
        if (attr === "title" || attr === "intro") drawPreview();
        markDirty();
      });
    });
    $all("[data-wf-notify-user]").forEach(function (box) {
      box.checked = (def.notify_user_ids || []).indexOf(Number(box.value)) >= 0;
      box.addEventListener("change", function () {
        def.notify_user_ids = $all("[data-wf-notify-user]").filter(function (b) { return b.checked; })
          .map(function (b) { return Number(b.value); });
        markDirty();
      });
    });

    // --- the field list ------------------------------------------------------------------
    function fieldErrors(index) {
      var prefix = "fields." + index + ".";
      var found = [];
      Object.keys(errors).forEach(function (k) { if (k.indexOf(prefix) === 0) found = found.concat(errors[k]); });
      return found;
    }

    function move(from, to, focusSel) {
      if (to < 0 || to >= def.fields.length || from === to) return;
      var item = def.fields.splice(from, 1)[0];
      def.fields.splice(to, 0, item);
      selected = to;
      markDirty();
      drawAll();
      status.textContent = fmt(T.moved, to + 1);
      if (focusSel) {
        var target = list.children[to] && $(focusSel, list.children[to]);
        if (target && !target.disabled) target.focus();
        else if (list.children[to]) list.children[to].focus();
      }
    }

    function remove(index) {
      removed = { field: def.fields.splice(index, 1)[0], index: index };
      selected = Math.min(index, def.fields.length - 1);
      markDirty();
      drawAll();
      $("[data-wf-undo-text]").textContent = T.removed;
      var undo = $("[data-wf-undo-button]");
      undo.textContent = T.undo;
      undoBar.classList.remove("d-none");
      clearTimeout(undoTimer);
      undoTimer = setTimeout(function () { undoBar.classList.add("d-none"); removed = null; }, 15000);
      undo.focus();
    }

    $("[data-wf-undo-button]").addEventListener("click", function () {
      if (!removed) return;
      def.fields.splice(removed.index, 0, removed.field);
      selected = removed.index;
      removed = null;
      undoBar.classList.add("d-none");
      markDirty();
      drawAll();
      if (list.children[selected]) list.children[selected].focus();
    });

    function drawList() {
      list.replaceChildren();
      if (!def.fields.length) {
        list.appendChild(el("li", { class: "text-secondary small", "data-testid": "fields-empty" }, T.empty));
        return;
      }
      def.fields.forEach(function (f, i) {
        var problems = fieldErrors(i);
        var li = el("li", {
          class: "card wf-field" + (i === selected ? " wf-selected" : "") + (problems.length ? " border-danger" : ""),
          draggable: "true",
          tabindex: "0",
          "data-testid": "field-item",
          "data-index": String(i),
          "aria-selected": i === selected ? "true" : "false",
        });
        var body = el("div", { class: "card-body p-2 d-flex align-items-start gap-2" });
        var text = el("div", { class: "flex-grow-1 wf-label" });
        var title = el("div", { class: "fw-semibold", "data-testid": "field-label" }, f.label || fmt(T.field_n, i + 1));
        if (f.required) title.appendChild(el("span", { class: "text-danger ms-1", title: T.required }, "*"));
        text.appendChild(title);
        text.appendChild(el("div", { class: "small text-secondary" },
          (typeLabel[f.field_type] || f.field_type) + (f.mapping ? " → " + (targetLabel[f.mapping] || f.mapping) : "")));
        problems.forEach(function (m) { text.appendChild(el("div", { class: "small text-danger" }, m)); });
        body.appendChild(text);
        var group = el("div", { class: "btn-group btn-group-sm flex-shrink-0", role: "group" });
        var up = el("button", { type: "button", class: "btn btn-outline-secondary", "aria-label": T.up, title: T.up, "data-testid": "field-up", "data-act": "up" }, "↑");
        var down = el("button", { type: "button", class: "btn btn-outline-secondary", "aria-label": T.down, title: T.down, "data-testid": "field-down", "data-act": "down" }, "↓");
        var del = el("button", { type: "button", class: "btn btn-outline-danger", "aria-label": T.remove, title: T.remove, "data-testid": "field-remove", "data-act": "remove" }, "✕");
        up.disabled = i === 0;
        down.disabled = i === def.fields.length - 1;
        up.addEventListener("click", function (e) { e.stopPropagation(); move(i, i - 1, "[data-act=up]"); });
        down.addEventListener("click", function (e) { e.stopPropagation(); move(i, i + 1, "[data-act=down]"); });
        del.addEventListener("click", function (e) { e.stopPropagation(); remove(i); });
        group.appendChild(up); group.appendChild(down); group.appendChild(del);
        body.appendChild(group);
        li.appendChild(body);
        li.addEventListener("click", function () { select(i); });
        li.addEventListener("keydown", function (e) {
          if (e.target !== li) return;
          if (e.key === "Enter" || e.key === " ") { e.preventDefault(); select(i, true); }
          else if (e.key === "ArrowUp" && e.altKey) { e.preventDefault(); move(i, i - 1); list.children[i - 1] && list.children[i - 1].focus(); }
          else if (e.key === "ArrowDown" && e.altKey) { e.preventDefault(); move(i, i + 1); list.children[i + 1] && list.children[i + 1].focus(); }
        });
        li.addEventListener("dragstart", function (e) {
          dragFrom = i;
          li.classList.add("wf-dragging");
          e.dataTransfer.effectAllowed = "move";
          e.dataTransfer.setData("text/plain", String(i));
        });
        li.addEventListener("dragend", function () { li.classList.remove("wf-dragging"); });
        li.addEventListener("dragover", function (e) { e.preventDefault(); li.classList.add("wf-drop-before"); });
        li.addEventListener("dragleave", function () { li.classList.remove("wf-drop-before"); });
        li.addEventListener("drop", function (e) {
          e.preventDefault();
          li.classList.remove("wf-drop-before");
          var from = dragFrom >= 0 ? dragFrom : Number(e.dataTransfer.getData("text/plain"));
          dragFrom = -1;
          if (!isNaN(from)) move(from, i > from ? i : i);
        });
        list.appendChild(li);
      });
    }

    function select(i, focusPanel) {
      selected = i;
      drawList();
      drawPanel();
      var tab = $("[data-testid=tab-field]");
      if (tab && window.bootstrap) window.bootstrap.Tab.getOrCreateInstance(tab).show();
      if (focusPanel) { var first = $("input, select, textarea", panel); if (first) first.focus(); }
    }

    // --- the side panel for one field ----------------------------------------------------------
    function labelled(id, label, input) {
      var wrap = el("div", { class: "mb-2" });
      wrap.appendChild(el("label", { class: "form-label", for: id }, label));
      input.id = id;
      wrap.appendChild(input);
      return wrap;
    }

    function drawPanel() {
      panel.replaceChildren();
      var f = def.fields[selected];
      if (!f) { panel.appendChild(el("p", { class: "text-secondary small" }, T.select_field)); return; }
      var label = el("input", { class: "form-control", maxlength: "200", "data-testid": "panel-label" });
      label.value = f.label;
      label.addEventListener("input", function () { f.label = label.value; markDirty(); drawList(); drawPreview(); });
      panel.appendChild(labelled("wf-f-label", T.label, label));

      var help = el("input", { class: "form-control", maxlength: "500", "data-testid": "panel-help" });
      help.value = f.help_text || "";
      help.addEventListener("input", function () { f.help_text = help.value; markDirty(); drawPreview(); });
      panel.appendChild(labelled("wf-f-help", T.help_text, help));

      var type = el("select", { class: "form-select", "data-testid": "panel-type" });
      opts.field_types.forEach(function (t) {
        var o = el("option", { value: t.value }, t.label);
        if (t.value === f.field_type) o.selected = true;
        type.appendChild(o);
      });
      type.addEventListener("change", function () {
        // A drop-down's choices are no file types, nor the reverse: start the list afresh.
        if ((f.field_type === "file") !== (type.value === "file")) f.choices = [];
        f.field_type = type.value; markDirty(); drawAll();
      });
      panel.appendChild(labelled("wf-f-type", T.type, type));

      if (f.field_type === "select" || f.field_type === "radio") {
        var choices = el("textarea", { class: "form-control", rows: "4", "data-testid": "panel-choices" });
        choices.value = (f.choices || []).join("\n");
        choices.addEventListener("input", function () {
          f.choices = choices.value.split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
          markDirty(); drawPreview();
        });
        panel.appendChild(labelled("wf-f-choices", T.choices, choices));
      }

      if (f.field_type === "file") {
        // Extensions separated by commas; the server normalizes them (".PNG" -> png) and
        // refuses anything else with a message at this field.
        var defaults = (opts.default_file_types || []).join(", ");
        var types = el("input", { class: "form-control", maxlength: "500", placeholder: defaults,
          "aria-describedby": "wf-f-file-types-help", "data-testid": "panel-file-types" });
        types.value = (f.choices || []).join(", ");
        types.addEventListener("input", function () {
          f.choices = types.value.split(/[\s,、，;]+/).map(function (s) { return s.trim(); }).filter(Boolean);
          markDirty(); drawPreview();
        });
        var typesWrap = labelled("wf-f-file-types", T.file_types, types);
        var typeProblems = errors["fields." + selected + ".choices"] || [];
        if (typeProblems.length) types.classList.add("is-invalid");
        typeProblems.forEach(function (m) {
          typesWrap.appendChild(el("div", { class: "invalid-feedback d-block", "data-testid": "panel-file-types-error" }, m));
        });
        typesWrap.appendChild(el("div", { class: "form-text", id: "wf-f-file-types-help" },
          T.file_types_help.replace("%(types)s", defaults)));
        panel.appendChild(typesWrap);
      }

      var mapping = el("select", { class: "form-select", "data-testid": "panel-mapping" });
      opts.targets.forEach(function (t) {
        var o = el("option", { value: t.value }, t.label);
        if (t.value === (f.mapping || "")) o.selected = true;
        mapping.appendChild(o);
      });
      mapping.addEventListener("change", function () { f.mapping = mapping.value; markDirty(); drawList(); });
      panel.appendChild(labelled("wf-f-mapping", T.mapping, mapping));

      var check = el("div", { class: "form-check" });
      var req = el("input", { class: "form-check-input", type: "checkbox", id: "wf-f-required", "data-testid": "panel-required" });
      req.checked = !!f.required;
      req.addEventListener("change", function () { f.required = req.checked; markDirty(); drawList(); drawPreview(); });
      check.appendChild(req);
      check.appendChild(el("label", { class: "form-check-label", for: "wf-f-required" }, T.required));
      panel.appendChild(check);
    }

    // --- live preview ------------------------------------------------------------------------------
    function drawPreview() {
      preview.replaceChildren();
      preview.appendChild(el("div", { class: "h5", "data-testid": "preview-title" }, def.title || def.name));
      if (def.intro) preview.appendChild(el("p", { class: "small text-secondary wf-prewrap" }, def.intro));
      var fs = el("fieldset", { disabled: "disabled" });
      def.fields.forEach(function (f, i) {
        var wrap = el("div", { class: "mb-2", "data-testid": "preview-field" });
        var id = "wf-pv-" + i;
        var text = (f.label || fmt(T.field_n, i + 1)) + (f.required ? " *" : "");
        var input;
        if (f.field_type === "checkbox") {
          wrap.className = "form-check mb-2";
          wrap.appendChild(el("input", { class: "form-check-input", type: "checkbox", id: id }));
          wrap.appendChild(el("label", { class: "form-check-label", for: id }, text));
        } else if (f.field_type === "radio") {
          wrap.appendChild(el("div", { class: "form-label" }, text));
          (f.choices || []).forEach(function (c, j) {
            var r = el("div", { class: "form-check" });
            r.appendChild(el("input", { class: "form-check-input", type: "radio", id: id + "-" + j, name: id }));
            r.appendChild(el("label", { class: "form-check-label", for: id + "-" + j }, c));
            wrap.appendChild(r);
          });
        } else if (f.field_type === "file") {
          // As the public page draws it: a file input narrowed to the allowed types, and
          // the types and the size limit under it.
          var allowed = (f.choices && f.choices.length ? f.choices : opts.default_file_types || [])
            .map(function (t) { return String(t).toLowerCase().replace(/^\*?\.?/, ""); }).filter(Boolean);
          wrap.appendChild(el("label", { class: "form-label", for: id }, text));
          wrap.appendChild(el("input", { class: "form-control", type: "file", id: id, "data-testid": "preview-file",
            accept: allowed.map(function (t) { return "." + t; }).join(",") }));
          wrap.appendChild(el("div", { class: "form-text", "data-testid": "preview-file-hint" },
            T.file_hint.replace("%(types)s", allowed.join(", ")).replace("%(limit)s", String(opts.max_file_mb))));
        } else {
          wrap.appendChild(el("label", { class: "form-label", for: id }, text));
          if (f.field_type === "long_text") input = el("textarea", { class: "form-control", rows: "3", id: id });
          else if (f.field_type === "select") {
            input = el("select", { class: "form-select", id: id });
            input.appendChild(el("option", {}, T.choose));
            (f.choices || []).forEach(function (c) { input.appendChild(el("option", {}, c)); });
          } else input = el("input", { class: "form-control", id: id, type: { email: "email", phone: "tel", date: "date" }[f.field_type] || "text" });
          wrap.appendChild(input);
        }
        if (f.help_text) wrap.appendChild(el("div", { class: "form-text" }, f.help_text));
        fs.appendChild(wrap);
      });
      var consent = el("div", { class: "form-check mb-2" });
      consent.appendChild(el("input", { class: "form-check-input", type: "checkbox", id: "wf-pv-consent" }));
      consent.appendChild(el("label", { class: "form-check-label", for: "wf-pv-consent" }, T.consent + " *"));
      fs.appendChild(consent);
      fs.appendChild(el("button", { type: "button", class: "btn btn-primary" }, T.submit));
      preview.appendChild(fs);
    }

    function drawErrors() {
      var keys = Object.keys(errors);
      errorsBox.replaceChildren();
      if (!keys.length) { errorsBox.classList.add("d-none"); return; }
      errorsBox.appendChild(el("div", { class: "fw-semibold" }, T.fix));
      var ul = el("ul", { class: "mb-0" });
      keys.forEach(function (k) {
        var m = /^fields\.(\d+)\./.exec(k);
        var prefix = "";
        if (m && def.fields[Number(m[1])]) prefix = (def.fields[Number(m[1])].label || fmt(T.field_n, Number(m[1]) + 1)) + ": ";
        errors[k].forEach(function (msg) { ul.appendChild(el("li", { "data-testid": "builder-error", "data-place": k }, prefix + msg)); });
      });
      errorsBox.appendChild(ul);
      errorsBox.classList.remove("d-none");
      errorsBox.focus();
    }

    function drawAll() { drawList(); drawPanel(); drawPreview(); }

    // --- palette ----------------------------------------------------------------------------
    $all("[data-wf-add]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var type = btn.dataset.wfAdd;
        var field = { key: "", label: typeLabel[type] || T.new_field, help_text: "", required: false, field_type: type, choices: [], mapping: "" };
        def.fields.splice(selected + 1, 0, field);
        selected = selected + 1;
        markDirty();
        drawAll();
        select(selected, true);
      });
    });

    // --- saving ----------------------------------------------------------------------------------
    function csrf() { var i = $("input[name=csrfmiddlewaretoken]"); return i ? i.value : ""; }

    function save() {
      status.textContent = T.saving;
      status.dataset.state = "saving";
      var payload = Object.assign({}, def);
      return fetch(opts.save_url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), Accept: "application/json" },
        body: JSON.stringify(payload),
        credentials: "same-origin",
      }).then(function (r) {
        return r.json().then(function (data) { return { ok: r.ok, data: data }; });
      }).then(function (res) {
        if (!res.ok) {
          errors = res.data.errors || {};
          status.textContent = "";
          status.dataset.state = "error";
          drawAll(); drawErrors();
          return false;
        }
        errors = {};
        def.fields = res.data.definition.fields;
        dirty = false;
        status.textContent = T.saved;
        status.dataset.state = "saved";
        var title = $("[data-wf-title]");
        if (title) title.textContent = res.data.definition.name;
        drawAll(); drawErrors();
        return true;
      }).catch(function () {
        status.textContent = T.network;
        status.dataset.state = "error";
        return false;
      });
    }

    $("[data-wf-save]").addEventListener("click", save);
    var publish = $("[data-wf-publish]");
    publish.addEventListener("submit", function (e) {
      if (!dirty) return;
      e.preventDefault();
      save().then(function (ok) { if (ok) publish.submit(); });
    });
    window.addEventListener("beforeunload", function (e) { if (dirty) { e.preventDefault(); e.returnValue = ""; } });

    // --- copy buttons -------------------------------------------------------------------
    $all("[data-wf-copy]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var src = document.getElementById(btn.dataset.wfCopy);
        var done = function () { var s = $("[data-wf-copy-status]"); if (s) s.textContent = T.copied; };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(src.value).then(done, function () { src.select(); document.execCommand("copy"); done(); });
        } else { src.select(); document.execCommand("copy"); done(); }
      });
    });

    drawAll();
  });
})();
