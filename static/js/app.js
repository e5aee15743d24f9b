// Shows server messages as toasts and wires small behaviours; no inline scripts (CSP).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-crm-toast]").forEach((el) => {
    window.bootstrap.Toast.getOrCreateInstance(el, { delay: 6000 }).show();
  });
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});
