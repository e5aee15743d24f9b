// The inquiry queue: keyboard (j/k or arrows move, Enter opens, x selects, a assigns to me),
// the selection count and which bulk select shows. No inline scripts (CSP).
(() => {
  const rows = () => Array.from(document.querySelectorAll("[data-ticket-row]"));
  let current = -1;

  function csrfToken() {
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function focusRow(index) {
    const all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((row, i) => row.classList.toggle("queue-current", i === current));
    all[current].focus({ preventScroll: false });
    all[current].scrollIntoView({ block: "nearest" });
  }

  function updateCount() {
    const count = document.getElementById("bulk-count");
    if (count) count.textContent = document.querySelectorAll("input[name=tickets]:checked").length;
  }

  function typing(target) {
    return target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)) &&
      target.type !== "checkbox";
  }

  async function assignToMe(row) {
    const response = await fetch(row.dataset.assignUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) return;
    const data = await response.json();
    const cell = row.querySelector("[data-testid=row-assignee]");
    if (cell) cell.textContent = data.assignee;
    row.dataset.assigned = "me";
  }

  document.addEventListener("DOMContentLoaded", () => {
    const action = document.getElementById("bulk-action");
    if (action) {
      const sync = () => document.querySelectorAll("[data-bulk-for]").forEach((el) => {
        el.hidden = el.dataset.bulkFor !== action.value;
      });
      action.addEventListener("change", sync);
      sync();
    }
    document.querySelectorAll("input[name=tickets]").forEach((box) => box.addEventListener("change", updateCount));
    rows().forEach((row, index) => {
      row.addEventListener("click", (event) => {
        if (event.target.closest("a, input, button, label")) return;
        window.location.href = row.dataset.url;
      });
      row.addEventListener("focus", () => {
        current = index;
        rows().forEach((r, i) => r.classList.toggle("queue-current", i === index));
      });
    });
    const bulk = document.getElementById("bulk-form");
    if (bulk) {
      bulk.addEventListener("submit", (event) => {
        if (!document.querySelectorAll("input[name=tickets]:checked").length) {
          event.preventDefault();
          event.stopImmediatePropagation();
          window.alert(bulk.dataset.emptyMessage || "Select at least one inquiry.");
        }
      }, true);
    }
    document.addEventListener("keydown", (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
      const all = rows();
      if (!all.length) return;
      const key = event.key;
      if (key === "j" || key === "ArrowDown") {
        event.preventDefault();
        focusRow(current + 1);
      } else if (key === "k" || key === "ArrowUp") {
        event.preventDefault();
        focusRow(current < 0 ? 0 : current - 1);
      } else if (key === "Enter" && current >= 0 && !event.target.closest("a, button")) {
        event.preventDefault();
        window.location.href = all[current].dataset.url;
      } else if (key === "x" && current >= 0) {
        event.preventDefault();
        const box = all[current].querySelector("input[name=tickets]");
        if (box) {
          box.checked = !box.checked;
          updateCount();
        }
      } else if (key === "a" && current >= 0) {
        event.preventDefault();
        assignToMe(all[current]);
      }
    });
    updateCount();
  });
})();
