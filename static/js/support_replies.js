// Reply templates on the ticket page: the searchable template picker (type to filter,
// ↑/↓ to move, Enter to insert), "insert this answer" from similar inquiries, shortcut
// expansion in the reply editor (type /henpin then Tab or space), and the merge-field
// buttons of the template form. Text goes in at the cursor of textarea#reply-body.
(() => {
  if (window.crmSupportReplies) return; // the panels may include this file more than once
  window.crmSupportReplies = true;

  const editor = () => document.getElementById("reply-body");

  function insertAtCursor(textarea, text, from, to) {
    if (!textarea) return;
    const start = from ?? textarea.selectionStart ?? textarea.value.length;
    const end = to ?? textarea.selectionEnd ?? start;
    textarea.focus();
    textarea.setRangeText(text, start, end, "end");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  async function renderText(url) {
    const sep = url.includes("?") ? "&" : "?";
    const response = await fetch(`${url}${sep}use=1`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) throw new Error(String(response.status));
    return (await response.json()).text;
  }

  function setupPicker(root) {
    if (root.dataset.ready) return;
    root.dataset.ready = "1";
    const data = document.getElementById(root.dataset.source);
    const templates = data ? JSON.parse(data.textContent) : [];
    const input = root.querySelector("input[type=search]");
    const list = root.querySelector("[role=listbox]");
    const status = root.querySelector("[aria-live]");
    let shown = [];
    let active = -1;
    // Where the cursor was in the editor before the picker took the focus.
    let mark = null;

    const close = () => {
      list.classList.add("d-none");
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    };
    const paint = () => {
      list.replaceChildren();
      shown.forEach((t, i) => {
        const li = document.createElement("li");
        li.id = `${list.id}-${t.id}`;
        li.className = `list-group-item list-group-item-action py-1${i === active ? " active" : ""}`;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", i === active ? "true" : "false");
        li.dataset.testid = "template-option";
        li.dataset.templateId = t.id;
        const name = document.createElement("div");
        name.className = "fw-semibold small";
        name.textContent = t.shortcut ? `${t.name}  ${t.shortcut}` : t.name;
        const snippet = document.createElement("div");
        snippet.className = "small text-truncate";
        snippet.textContent = t.snippet;
        li.append(name, snippet);
        li.addEventListener("mousedown", (event) => {
          event.preventDefault();
          choose(t);
        });
        list.append(li);
      });
      if (active >= 0 && list.children[active]) {
        input.setAttribute("aria-activedescendant", list.children[active].id);
        list.children[active].scrollIntoView({ block: "nearest" });
      }
      list.classList.toggle("d-none", shown.length === 0);
      input.setAttribute("aria-expanded", shown.length ? "true" : "false");
      if (templates.length) {
        status.textContent = input.value && !shown.length ? status.dataset.pickerEmptyText : "";
      }
    };
    const filter = () => {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      shown = templates
        .filter((t) => {
          const hay = `${t.name} ${t.shortcut} ${t.snippet}`.toLowerCase();
          return words.every((w) => hay.includes(w));
        })
        .slice(0, 30);
      active = shown.length ? 0 : -1;
      paint();
    };
    const choose = async (t) => {
      close();
      input.value = "";
      try {
        const text = await renderText(t.url);
        const area = editor();
        insertAtCursor(area, text, mark?.start, mark?.end);
        mark = null;
      } catch (err) {
        status.textContent = status.dataset.pickerErrorText;
      }
    };

    input.addEventListener("focus", () => {
      const area = editor();
      if (area && mark === null) mark = { start: area.selectionStart, end: area.selectionEnd };
      filter();
    });
    input.addEventListener("input", filter);
    input.addEventListener("blur", () => setTimeout(close, 150));
    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (list.classList.contains("d-none")) filter();
        if (!shown.length) return;
        const step = event.key === "ArrowDown" ? 1 : -1;
        active = (active + step + shown.length) % shown.length;
        paint();
      } else if (event.key === "Enter") {
        event.preventDefault();
        if (active >= 0 && shown[active]) choose(shown[active]);
      } else if (event.key === "Escape") {
        close();
        editor()?.focus();
      }
    });
    // Remember the editor's cursor whenever it moves, so the text lands there.
    const area = editor();
    if (area) {
      const keep = () => {
        mark = { start: area.selectionStart, end: area.selectionEnd };
      };
      ["keyup", "mouseup", "input", "blur"].forEach((kind) => area.addEventListener(kind, keep));
      setupShortcuts(area, templates);
    }
  }

  function setupShortcuts(area, templates) {
    const byShortcut = new Map(templates.filter((t) => t.shortcut).map((t) => [t.shortcut, t]));
    if (!byShortcut.size) return;
    area.addEventListener("keydown", async (event) => {
      if (event.key !== "Tab" && event.key !== " ") return;
      const end = area.selectionStart;
      if (end !== area.selectionEnd) return;
      const match = /(?:^|\s)(\/[\w-]+)$/u.exec(area.value.slice(0, end));
      const t = match && byShortcut.get(match[1].toLowerCase());
      if (!t) return;
      event.preventDefault();
      const start = end - match[1].length;
      try {
        insertAtCursor(area, await renderText(t.url), start, end);
      } catch (err) {
        /* the typed shortcut stays as it is */
      }
    });
  }

  function init() {
    document.querySelectorAll("[data-reply-picker]").forEach(setupPicker);
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-insert-answer]");
    if (button) {
      const source = document.getElementById(button.dataset.insertAnswer);
      if (source) insertAtCursor(editor(), source.textContent);
      return;
    }
    const field = event.target.closest("[data-merge-field]");
    if (field) {
      insertAtCursor(document.getElementById("id_body"), `{{ ${field.dataset.mergeField} }}`);
    }
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  // Panels loaded later by htmx.
  document.addEventListener("htmx:afterSettle", init);
})();
