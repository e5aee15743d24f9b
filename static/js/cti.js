// CTI screen pops: polls the member's open calls every 3 s and shows each as a card in the
// top corner of whatever page is open. Pops are rendered by the server (escaped there);
// this script only places them and wires their buttons (no inline scripts: CSP).
(() => {
  const script = document.currentScript;
  const url = script && script.dataset.popsUrl;
  if (!url) return;
  const INTERVAL = 3000;
  let container = null;
  let timer = null;
  let failures = 0;
  let inFlight = false;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function ensureContainer() {
    if (!container) {
      container = document.createElement("div");
      container.className = "toast-container position-fixed top-0 end-0 p-3";
      container.id = "cti-pops";
      container.setAttribute("aria-live", "assertive");
      document.body.appendChild(container);
    }
    return container;
  }

  async function post(action, data) {
    const response = await fetch(action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(data || {}),
    });
    let body = {};
    try {
      body = await response.json();
    } catch (error) {
      body = {};
    }
    return { ok: response.ok, status: response.status, body };
  }

  function errorText(body) {
    const error = (body && body.error) || {};
    const fields = error.fields || {};
    const first = Object.values(fields).flat()[0];
    return first || error.message || "";
  }

  function busy(pop) {
    // Do not redraw a pop the agent is working in (a chosen outcome, a note being typed).
    return pop.contains(document.activeElement) || pop.querySelector("[aria-pressed=true]");
  }

  function wire(pop) {
    pop.querySelectorAll("[data-cti-choice]").forEach((button) => {
      button.addEventListener("click", () => {
        const form = button.closest("form");
        form.querySelectorAll("[data-cti-choice]").forEach((other) => {
          other.classList.replace("btn-primary", "btn-outline-primary");
          other.setAttribute("aria-pressed", "false");
        });
        button.classList.replace("btn-outline-primary", "btn-primary");
        button.setAttribute("aria-pressed", "true");
        form.elements.outcome.value = button.dataset.ctiChoice;
        form.querySelector("[type=submit]").disabled = false;
      });
    });
    const outcomeForm = pop.querySelector("form[data-cti-outcome]");
    if (outcomeForm) {
      outcomeForm.addEventListener("submit", async (event) => {
        event.preventDefault();
        const submit = outcomeForm.querySelector("[type=submit]");
        submit.disabled = true;
        const result = await post(outcomeForm.getAttribute("action"), {
          outcome: outcomeForm.elements.outcome.value,
          body: outcomeForm.elements.body.value,
        });
        if (result.ok) {
          const done = document.createElement("div");
          done.className = "toast-body text-success";
          done.dataset.testid = "cti-logged";
          done.textContent = result.body.message || "OK";
          pop.querySelector(".toast-body").replaceWith(done);
          pop.dataset.closed = "1";
          setTimeout(() => pop.remove(), 4000);
          document.dispatchEvent(new CustomEvent("crm:cti-logged", { detail: result.body }));
        } else {
          outcomeForm.querySelector("[data-cti-error]").textContent = errorText(result.body);
          submit.disabled = false;
        }
      });
    }
    const createForm = pop.querySelector("form[data-cti-create]");
    if (createForm) {
      createForm.addEventListener("submit", async (event) => {
        event.preventDefault();
        const result = await post(createForm.getAttribute("action"));
        if (result.ok && result.body.edit_url) {
          window.location.assign(result.body.edit_url);
        } else {
          createForm.querySelector("[data-cti-error]").textContent = errorText(result.body);
        }
      });
    }
    const close = pop.querySelector("[data-cti-dismiss]");
    if (close) {
      close.addEventListener("click", async () => {
        pop.dataset.closed = "1";
        pop.remove();
        await post(pop.dataset.dismissUrl);
      });
    }
  }

  function render(pops) {
    const box = ensureContainer();
    const wanted = new Map(pops.map((p) => [String(p.id), p]));
    box.querySelectorAll("[data-pop-id]").forEach((el) => {
      if (el.dataset.closed) return;
      if (!wanted.has(el.dataset.popId)) el.remove();
    });
    pops.forEach((p) => {
      const existing = box.querySelector(`[data-pop-id="${p.id}"]`);
      if (existing && (existing.dataset.closed || existing.dataset.version === p.version)) return;
      if (existing && busy(existing)) {
        // Keep the agent's work; only the state badge follows the call.
        const holder = document.createElement("div");
        holder.innerHTML = p.html;
        const state = holder.querySelector("[data-testid=cti-state]");
        const mine = existing.querySelector("[data-testid=cti-state]");
        if (state && mine) mine.replaceWith(state);
        return;
      }
      const holder = document.createElement("div");
      holder.innerHTML = p.html.trim();
      const pop = holder.firstElementChild;
      if (!pop) return;
      wire(pop);
      if (existing) existing.replaceWith(pop);
      else box.prepend(pop);
    });
  }

  async function poll() {
    timer = null;
    inFlight = true;
    try {
      const response = await fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        cache: "no-store",
      });
      if (response.status === 401 || response.status === 403) {
        inFlight = false;
        return; // logged out, or no longer allowed: stop
      }
      if (response.ok) {
        failures = 0;
        render((await response.json()).pops || []);
      } else {
        failures += 1;
      }
    } catch (error) {
      failures += 1; // offline for a moment: back off a little, keep trying
    }
    inFlight = false;
    timer = setTimeout(poll, INTERVAL * Math.min(1 + failures, 5));
  }

  document.addEventListener("visibilitychange", () => {
    // A hidden tab polls too (the agent must hear about the call), but restart at once
    // when it comes back so the pop is current.
    if (!document.hidden && timer && !inFlight) {
      clearTimeout(timer);
      poll();
    }
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", poll);
  else poll();
})();
