// A ticket's page: the "being answered by" lock (taken on open, heartbeat every 60 s,
// released on leaving with sendBeacon) and @mention autocomplete in notes.
(() => {
  const BEAT_MS = 60000;

  function csrfToken() {
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function showHolder(page, held, holder) {
    const banner = document.getElementById("lock-banner");
    const warning = document.getElementById("reply-lock-warning");
    const text = document.getElementById("lock-holder-text");
    page.dataset.held = held ? "1" : "0";
    if (banner) banner.classList.toggle("d-none", held);
    if (warning) warning.classList.toggle("d-none", held);
    if (text && !held && holder) text.textContent = (page.dataset.holderTemplate || "%s").replace("%s", holder);
  }

  function lock(page) {
    const url = page.dataset.lockUrl;
    const beat = async () => {
      const body = new URLSearchParams({ action: "beat" });
      try {
        const response = await fetch(url, {
          method: "POST",
          body,
          headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
          credentials: "same-origin",
        });
        if (response.ok) {
          const data = await response.json();
          showHolder(page, data.held, data.holder);
        }
      } catch (_error) {
        // offline for a moment: the next beat tries again
      }
    };
    window.setInterval(beat, BEAT_MS);
    // A form posted from this page (reply, note, edit) comes back to the same ticket: keep
    // the lock then, or the release could land after the next page has taken it again.
    let staying = false;
    page.addEventListener("submit", (event) => {
      if (!event.defaultPrevented) staying = true; // not when "Take over?" was cancelled
    });
    window.addEventListener("pagehide", () => {
      if (staying || page.dataset.held !== "1") return;
      const data = new FormData();
      data.append("action", "release");
      data.append("csrfmiddlewaretoken", csrfToken());
      navigator.sendBeacon(url, data);
    });
  }

  function mentions(page) {
    const textarea = document.getElementById("reply-body");
    const menu = document.getElementById("mention-menu");
    const hidden = document.getElementById("reply-mentions");
    const noteRadio = document.getElementById("kind-note");
    if (!textarea || !menu || !hidden) return;
    const chosen = new Set();
    let items = [];
    let active = 0;
    let start = -1;
    let asked = 0; // the latest lookup: an older answer arriving late is dropped

    const close = () => {
      asked += 1; // a lookup still on its way must not reopen the menu
      menu.classList.remove("show");
      menu.replaceChildren();
      items = [];
      start = -1;
    };
    const pick = (item) => {
      const before = textarea.value.slice(0, start);
      const after = textarea.value.slice(textarea.selectionStart);
      const inserted = `@${item.name} `;
      textarea.value = before + inserted + after;
      const caret = before.length + inserted.length;
      textarea.setSelectionRange(caret, caret);
      chosen.add(String(item.id));
      hidden.value = Array.from(chosen).join(",");
      if (noteRadio) noteRadio.checked = true;
      close();
      textarea.focus();
    };
    const render = () => {
      menu.replaceChildren();
      items.forEach((item, i) => {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "dropdown-item" + (i === active ? " active" : "");
        button.setAttribute("role", "option");
        button.dataset.testid = "mention-option";
        button.textContent = `${item.name} (${item.email})`;
        button.addEventListener("mousedown", (event) => {
          event.preventDefault();
          pick(item);
        });
        menu.appendChild(button);
      });
      menu.classList.toggle("show", items.length > 0);
    };
    textarea.addEventListener("input", async () => {
      const upto = textarea.value.slice(0, textarea.selectionStart);
      const match = /(^|\s)@([^\s@]*)$/.exec(upto);
      if (!match) {
        close();
        return;
      }
      start = upto.length - match[2].length - 1;
      const mine = ++asked;
      const response = await fetch(`${page.dataset.mentionsUrl}?q=${encodeURIComponent(match[2])}`, {
        credentials: "same-origin",
      });
      if (!response.ok || mine !== asked) return;
      const results = (await response.json()).results;
      if (mine !== asked) return;
      items = results;
      active = 0;
      render();
    });
    textarea.addEventListener("keydown", (event) => {
      if (!items.length) return;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        active = (active + 1) % items.length;
        render();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        active = (active - 1 + items.length) % items.length;
        render();
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        pick(items[active]);
      } else if (event.key === "Escape") {
        close();
      }
    });
    textarea.addEventListener("blur", () => window.setTimeout(close, 150));
  }

  document.addEventListener("DOMContentLoaded", () => {
    const page = document.getElementById("ticket-page");
    if (!page) return;
    if (page.dataset.canEdit === "1") lock(page);
    mentions(page);
  });
})();
