// Activities: calendar keyboard (← → t) and click-a-day-to-add, the owner filter's
// auto-submit, the feed URL's copy button, and My day's "Add" jump to the quick-add form.
(function () {
  "use strict";

  function typing(target) {
    if (!target) return false;
    const tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  const calendar = document.querySelector("[data-testid=calendar]");
  if (calendar) {
    document.addEventListener("keydown", (event) => {
      if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
      let url = null;
      if (event.key === "ArrowLeft") url = calendar.dataset.prevUrl;
      else if (event.key === "ArrowRight") url = calendar.dataset.nextUrl;
      else if (event.key === "t" || event.key === "T") url = calendar.dataset.todayUrl;
      if (url) {
        event.preventDefault();
        window.location.assign(url);
      }
    });
    calendar.addEventListener("click", (event) => {
      if (event.target.closest("a, button, input, select, label")) return;
      const day = event.target.closest("[data-add-url]");
      if (day) window.location.assign(day.dataset.addUrl);
    });
  }

  document.querySelectorAll("form[data-autosubmit] select").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });

  document.querySelectorAll("[data-copy]").forEach((button) => {
    button.addEventListener("click", async () => {
      const input = document.querySelector(button.dataset.copy);
      if (!input) return;
      input.select();
      try {
        await navigator.clipboard.writeText(input.value);
      } catch (_error) {
        document.execCommand("copy"); // older browsers, or no clipboard permission
      }
      const label = button.dataset.copied;
      if (label) {
        button.textContent = label;
      }
    });
  });

  document.querySelectorAll("a[data-focus]").forEach((link) => {
    link.addEventListener("click", () => {
      const field = document.querySelector(link.dataset.focus);
      if (field) window.setTimeout(() => field.focus(), 50);
    });
  });
})();
