// SLA timers (templates/support/sla/partials/timer.html): counts the business minutes
// down while the calendar is open (data-ticking="1", as the server saw it at render) and
// turns a timer red once its due time passes. Texts come from the element's data-fmt-*
// attributes (translated on the server). No inline scripts (CSP). Loaded once per page,
// however many timers include it.
(() => {
  if (window.crmSlaTimers) return;
  window.crmSlaTimers = true;
  const STATES = ["text-bg-success", "text-bg-warning", "text-bg-danger", "text-bg-secondary"];
  const started = Date.now();

  const fill = (fmt, values) =>
    fmt.replace(/%\((\w+)\)s/g, (_, key) => (key in values ? String(values[key]) : ""));

  const duration = (el, minutes) => {
    const whole = Math.max(Math.floor(minutes), 0);
    const hours = Math.floor(whole / 60);
    const rest = whole % 60;
    if (hours) return fill(el.dataset.fmtHm || "%(hours)sh %(minutes)sm", { hours, minutes: rest });
    return fill(el.dataset.fmtM || "%(minutes)sm", { minutes: rest });
  };

  const tick = () => {
    const elapsed = (Date.now() - started) / 60000;
    document.querySelectorAll("[data-sla-timer][data-due]").forEach((el) => {
      const state = el.dataset.state;
      if (state === "paused" || state === "unknown") return;
      const label = el.querySelector(".sla-timer-label");
      const due = Date.parse(el.dataset.due);
      if (state !== "breached" && Number.isFinite(due) && Date.now() >= due) {
        el.dataset.state = "breached";
        el.classList.remove(...STATES);
        el.classList.add("text-bg-danger");
        if (label) label.textContent = fill(el.dataset.fmtOver || "", { time: duration(el, 0) });
        return;
      }
      if (el.dataset.ticking !== "1" || !label) return;
      const base = Number(el.dataset.minutes || 0);
      if (el.dataset.state === "breached") {
        label.textContent = fill(el.dataset.fmtOver || "", { time: duration(el, base + elapsed) });
      } else {
        label.textContent = fill(el.dataset.fmtLeft || "", {
          time: duration(el, Math.max(base - elapsed, 0)),
        });
      }
    });
  };
  window.setInterval(tick, 30000);
})();
