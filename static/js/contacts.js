// Contact pages: bulk selection and actions, timeline filter; no inline scripts (CSP).
document.addEventListener("DOMContentLoaded", () => {
  const bulk = document.querySelector("form[data-bulk]");
  if (bulk) {
    const boxes = () => Array.from(document.querySelectorAll('input[name="ids"][form="bulk-form"]'));
    const all = document.querySelector("[data-bulk-all]");
    const action = bulk.querySelector('select[name="action"]');
    const count = bulk.querySelector("[data-bulk-count]");
    const label = count ? count.textContent : "";
    const refresh = () => {
      const n = boxes().filter((b) => b.checked).length;
      if (count) count.textContent = n ? `${n} ✓` : label;
      bulk.querySelectorAll("[data-bulk-for]").forEach((el) => {
        el.hidden = el.dataset.bulkFor !== action.value;
      });
    };
    if (all) {
      all.addEventListener("change", () => {
        boxes().forEach((b) => { b.checked = all.checked; });
        refresh();
      });
    }
    boxes().forEach((b) => b.addEventListener("change", refresh));
    action.addEventListener("change", refresh);
    bulk.addEventListener("submit", (event) => {
      if (action.value === "delete" && !window.confirm(bulk.dataset.confirmDelete)) {
        event.preventDefault();
      }
    });
    refresh();
  }
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
});

// Contact list search: leave empty inputs out of the URL (shorter links to share and save).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-strip-empty]").forEach((form) => {
    form.addEventListener("submit", () => {
      form.querySelectorAll("input, select").forEach((el) => {
        if (el.name && !el.value && el.type !== "checkbox") el.disabled = true;
      });
    });
  });
  // Coming back with the browser's Back button must not find them still switched off.
  window.addEventListener("pageshow", () => {
    document.querySelectorAll("form[data-strip-empty] [disabled]").forEach((el) => {
      el.disabled = false;
    });
  });
});
