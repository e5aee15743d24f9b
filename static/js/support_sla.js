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

// Calendar editor (templates/support/sla/calendar_form.html): add or remove a block on a
// weekday, and "add lunch break", which splits the block that spans 12:00–13:00 in two.
(() => {
  const form = document.getElementById("sla-calendar-form");
  if (!form || form.dataset.slaWired) return;
  form.dataset.slaWired = "1";
  const template = document.getElementById("sla-block-template");

  const addRow = (day, start = "", end = "") => {
    const weekday = day.dataset.slaDay;
    const row = template.content.firstElementChild.cloneNode(true);
    const [s, e] = [row.querySelector(".sla-start"), row.querySelector(".sla-end")];
    s.name = `block-${weekday}-start`;
    e.name = `block-${weekday}-end`;
    s.value = start;
    e.value = end;
    day.querySelector(".sla-blocks").appendChild(row);
    return row;
  };

  form.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    const day = button.closest("[data-sla-day]");
    if (button.hasAttribute("data-sla-add-block") && day) {
      addRow(day).querySelector(".sla-start").focus();
    } else if (button.hasAttribute("data-sla-remove-block")) {
      const row = button.closest(".sla-block-row");
      const rows = row.parentElement.querySelectorAll(".sla-block-row");
      if (rows.length > 1) row.remove();
      else row.querySelectorAll("input").forEach((input) => (input.value = ""));
    } else if (button.hasAttribute("data-sla-lunch") && day) {
      const rows = [...day.querySelectorAll(".sla-block-row")];
      const spanning = rows.find((row) => {
        const s = row.querySelector(".sla-start").value;
        const e = row.querySelector(".sla-end").value;
        return s && e && s < "12:00" && (e > "13:00" || e === "00:00");
      });
      if (spanning) {
        const end = spanning.querySelector(".sla-end");
        const after = addRow(day, "13:00", end.value);
        spanning.after(after);
        end.value = "12:00";
        end.focus();
      } else {
        addRow(day, "09:00", "12:00");
        addRow(day, "13:00", "18:00");
        rows.filter((row) => !row.querySelector(".sla-start").value).forEach((row) => row.remove());
      }
    }
  });
})();
