// Import pages (no inline scripts: CSP). Progress bars take their width from data-progress;
// the mapping page marks selects that map a second column to the same field.
(() => {
  const paintProgress = (root) => {
    root.querySelectorAll("[data-progress]").forEach((bar) => {
      bar.style.width = `${Number(bar.dataset.progress) || 0}%`;
    });
  };
  const checkMapping = (form) => {
    const selects = [...form.querySelectorAll("select")];
    const counts = {};
    selects.forEach((s) => { if (s.value) counts[s.value] = (counts[s.value] || 0) + 1; });
    selects.forEach((s) => s.classList.toggle("is-invalid", Boolean(s.value) && counts[s.value] > 1));
  };
  document.addEventListener("DOMContentLoaded", () => {
    paintProgress(document);
    document.querySelectorAll("form[data-import-mapping]").forEach((form) => {
      form.addEventListener("change", () => checkMapping(form));
      checkMapping(form);
    });
  });
  document.body.addEventListener("htmx:afterSwap", (event) => paintProgress(event.detail.target.parentNode || document));
})();
