// The dashboard: each widget card fetches its JSON and draws it (lists and tiles as HTML,
// charts with Chart.js). Edit mode adds widgets from the catalogue, removes them (with an
// undo), reorders them by drag and drop or with the ↑ / ↓ buttons, resizes them and saves
// the layout as JSON. No inline scripts or styles (CSP): text comes from #dash-text.
(() => {
  const grid = document.getElementById("dash-grid");
  if (!grid) return;
  const text = JSON.parse(document.getElementById("dash-text").textContent);
  const catalogue = JSON.parse(document.getElementById("dash-catalogue-data").textContent);
  const byKey = new Map(catalogue.map((w) => [w.key, w]));
  const status = document.getElementById("dash-status");
  const emptyNote = document.getElementById("dash-empty");
  const editable = grid.dataset.editable === "1";
  const charts = new WeakMap();
  const csrf = (() => {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  })();
  const fill = (template, values) =>
    template.replace(/%\((\w+)\)s/g, (_, name) => (name in values ? String(values[name]) : ""));
  const say = (message) => {
    status.textContent = "";
    window.setTimeout(() => (status.textContent = message), 30);
  };
  const el = (tag, className, content) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined && content !== null) node.textContent = String(content);
    return node;
  };
  // Only paths of this site are followed from a widget ("/sales/deals/1/").
  const localUrl = (url) =>
    typeof url === "string" && url.startsWith("/") && !url.startsWith("//") && !url.includes("\\")
      ? url
      : "";
  const money = (value, unit) => {
    if (unit !== "JPY") return new Intl.NumberFormat(text.lang).format(value);
    return new Intl.NumberFormat(text.lang, { style: "currency", currency: "JPY", maximumFractionDigits: 0 }).format(value);
  };

  // --- drawing ------------------------------------------------------------------------------
  function drawEmpty(body, payload) {
    body.append(el("p", "text-secondary small mb-0 dash-empty-text", payload.empty || text.empty));
  }

  function drawMore(body, payload) {
    const url = localUrl(payload.more_url);
    if (!url) return;
    const link = el("a", "small d-inline-block mt-2", text.more);
    link.href = url;
    body.append(link);
  }

  function drawList(body, payload) {
    const items = payload.items || [];
    if (!items.length) return drawEmpty(body, payload);
    const list = el("ul", "list-group list-group-flush dash-list");
    list.dataset.testid = "widget-list";
    items.forEach((item) => {
      const li = el("li", "list-group-item px-0 d-flex justify-content-between align-items-start gap-2");
      const main = el("div", "text-break");
      const url = localUrl(item.url);
      const title = url ? el("a", "", item.title) : el("span", "", item.title);
      if (url) title.href = url;
      main.append(title);
      if (item.meta) main.append(el("div", "small text-secondary", item.meta));
      li.append(main);
      if (item.badge) {
        const tone = ["danger", "warning", "success"].includes(item.tone) ? item.tone : "secondary";
        li.append(el("span", `badge text-bg-${tone} text-nowrap`, item.badge));
      }
      list.append(li);
    });
    body.append(list);
  }

  function drawKpi(body, payload) {
    const tiles = payload.tiles || [];
    if (!tiles.length) return drawEmpty(body, payload);
    const row = el("div", "dash-tiles");
    tiles.forEach((tile) => {
      const url = localUrl(tile.url);
      const box = url ? el("a", "dash-tile text-decoration-none") : el("div", "dash-tile");
      if (url) box.href = url;
      box.dataset.testid = "kpi-tile";
      box.append(el("div", "dash-tile-label small text-secondary", tile.label));
      box.append(el("div", "dash-tile-value fs-4 fw-semibold", tile.value));
      if (tile.hint) box.append(el("div", "dash-tile-hint small text-secondary", tile.hint));
      row.append(box);
    });
    body.append(row);
  }

  function drawChart(body, payload, card) {
    const datasets = payload.datasets || [];
    const hasData = datasets.some((d) => (d.data || []).some((v) => Number(v) !== 0));
    if (!hasData || !(payload.labels || []).length) return drawEmpty(body, payload);
    const box = el("div", "dash-chart");
    const canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", card.querySelector(".dash-card-title").textContent);
    box.append(canvas);
    body.append(box);
    // A text version for screen readers and for reading exact figures.
    const table = el("table", "visually-hidden");
    const head = table.createTHead().insertRow();
    head.append(el("th", "", ""));
    datasets.forEach((d) => head.append(el("th", "", d.label)));
    const tbody = table.createTBody();
    payload.labels.forEach((label, i) => {
      const row = tbody.insertRow();
      row.append(el("th", "", label));
      datasets.forEach((d) => row.append(el("td", "", money(d.data[i] || 0, d.unit || payload.unit))));
    });
    body.append(table);
    if (!window.Chart) return;
    const chart = new window.Chart(canvas, {
      type: payload.type || "bar",
      data: {
        labels: payload.labels,
        datasets: datasets.map((d) => ({
          label: d.label,
          data: d.data,
          type: d.kind || undefined,
          yAxisID: d.axis || "y",
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: datasets.length > 1 || payload.type === "doughnut" },
          tooltip: {
            callbacks: {
              label: (ctx) => {
                const ds = datasets[ctx.datasetIndex] || {};
                return `${ctx.dataset.label}: ${money(ctx.parsed.y ?? ctx.parsed, ds.unit || payload.unit)}`;
              },
            },
          },
        },
        scales:
          payload.type === "doughnut"
            ? {}
            : Object.fromEntries(
                [...new Set(datasets.map((d) => d.axis || "y"))].map((axis, i) => [
                  axis,
                  {
                    beginAtZero: true,
                    position: i === 0 ? "left" : "right",
                    grid: { drawOnChartArea: i === 0 },
                    ticks: {
                      callback: (v) => {
                        const unit = (datasets.find((d) => (d.axis || "y") === axis) || {}).unit || payload.unit;
                        return money(v, unit);
                      },
                    },
                  },
                ]),
              ),
      },
    });
    charts.set(card, chart);
  }

  async function load(card) {
    const body = card.querySelector(".dash-card-body");
    const old = charts.get(card);
    if (old) old.destroy();
    let answer = null;
    try {
      const response = await fetch(card.dataset.url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      answer = await response.json().catch(() => null);
      if (!response.ok || !answer || answer.error || !answer.payload) throw new Error((answer && answer.error) || text.error);
    } catch (err) {
      body.replaceChildren();
      const alert = el("div", "alert alert-warning small mb-0", (answer && answer.error) || text.error);
      alert.setAttribute("role", "alert");
      alert.dataset.testid = "widget-error";
      body.append(alert);
      card.dataset.state = "error";
      return;
    }
    body.replaceChildren();
    const payload = answer.payload;
    if (answer.kind === "list") drawList(body, payload);
    else if (answer.kind === "kpi") drawKpi(body, payload);
    else if (answer.kind === "chart") drawChart(body, payload, card);
    if (answer.kind !== "chart" || body.querySelector("canvas")) drawMore(body, payload);
    card.dataset.state = "drawn";
  }

  const cards = () => Array.from(grid.querySelectorAll(".dash-card"));
  const syncEmpty = () => (emptyNote.hidden = cards().length > 0);
  cards().forEach(load);

  if (!editable) return;

  // --- edit mode ----------------------------------------------------------------------------
  const toolbar = document.getElementById("dash-toolbar");
  const editButton = document.getElementById("dash-edit");
  const errors = document.getElementById("dash-errors");
  const nameInput = document.getElementById("dash-name");
  const catalogueBox = document.getElementById("dash-catalogue");
  const catalogueList = catalogueBox.querySelector(".dash-catalogue-list");
  const addButton = document.getElementById("dash-add");
  const template = document.getElementById("dash-card-template");
  const undoToastEl = document.getElementById("dash-undo-toast");
  let saved = null; // the layout as last saved, to cancel back to
  let dirty = false;
  let lastRemoved = null;

  const layout = () => cards().map((c) => ({ key: c.dataset.key, size: c.dataset.size }));
  const titleOf = (card) => card.querySelector(".dash-card-title").textContent;
  const markDirty = () => (dirty = true);

  function setSize(card, size) {
    card.classList.remove("dash-size-s", "dash-size-m", "dash-size-l");
    card.classList.add(`dash-size-${size}`);
    card.dataset.size = size;
    card.querySelector(".dash-size-select").value = size;
    const chart = charts.get(card);
    if (chart) chart.resize();
  }

  function wire(card) {
    card.querySelector(".dash-size-select").value = card.dataset.size;
    card.querySelector(".dash-card-tools").hidden = !grid.classList.contains("dash-editing");
    card.draggable = grid.classList.contains("dash-editing");
  }

  function buildCard(widget, size) {
    const card = template.content.firstElementChild.cloneNode(true);
    card.dataset.key = widget.key;
    card.dataset.url = widget.url;
    card.dataset.kind = widget.kind;
    card.setAttribute("aria-label", widget.title);
    card.querySelector(".dash-card-title").textContent = widget.title;
    setSize(card, size || widget.size);
    wire(card);
    return card;
  }

  function renderCatalogue() {
    const present = new Set(cards().map((c) => c.dataset.key));
    catalogueList.replaceChildren();
    const missing = catalogue.filter((w) => !present.has(w.key));
    catalogueBox.querySelector(".dash-catalogue-empty").hidden = missing.length > 0;
    missing.forEach((w) => {
      const li = el("li", "list-group-item d-flex justify-content-between align-items-start gap-2");
      const info = el("div", "");
      info.append(el("div", "fw-semibold", w.title));
      if (w.description) info.append(el("div", "small text-secondary", w.description));
      const add = el("button", "btn btn-sm btn-outline-primary text-nowrap", text.add);
      add.type = "button";
      add.dataset.testid = "catalogue-add";
      add.dataset.key = w.key;
      add.setAttribute("aria-label", `${text.add}: ${w.title}`);
      add.addEventListener("click", () => {
        const card = buildCard(w);
        grid.append(card);
        load(card);
        markDirty();
        syncEmpty();
        renderCatalogue();
        say(fill(text.added, { title: w.title }));
        card.querySelector("[data-action=up]").focus();
      });
      li.append(info, add);
      catalogueList.append(li);
    });
  }

  function setEditing(on) {
    grid.classList.toggle("dash-editing", on);
    toolbar.hidden = !on;
    editButton.hidden = on;
    editButton.setAttribute("aria-expanded", String(on));
    cards().forEach(wire);
    if (on) {
      saved = { layout: layout(), name: nameInput.value };
      dirty = false;
      errors.hidden = true;
      renderCatalogue();
      nameInput.focus();
    }
  }

  function showErrors(messages) {
    errors.replaceChildren();
    const list = el("ul", "mb-0");
    messages.forEach((m) => list.append(el("li", "", m)));
    errors.append(list);
    errors.hidden = false;
    errors.focus();
  }

  function move(card, delta) {
    const all = cards();
    const index = all.indexOf(card);
    const target = index + delta;
    if (target < 0 || target >= all.length) return;
    if (delta < 0) grid.insertBefore(card, all[target]);
    else grid.insertBefore(card, all[target].nextSibling);
    markDirty();
    say(fill(text.moved, { title: titleOf(card), n: target + 1 }));
  }

  function remove(card) {
    const next = card.nextElementSibling;
    lastRemoved = { card, next };
    card.remove();
    markDirty();
    syncEmpty();
    renderCatalogue();
    document.getElementById("dash-undo-text").textContent = fill(text.removed, { title: titleOf(card) });
    window.bootstrap.Toast.getOrCreateInstance(undoToastEl).show();
    say(fill(text.removed, { title: titleOf(card) }));
  }

  document.getElementById("dash-undo").addEventListener("click", () => {
    if (!lastRemoved) return;
    const { card, next } = lastRemoved;
    if (next && next.parentNode === grid) grid.insertBefore(card, next);
    else grid.append(card);
    lastRemoved = null;
    syncEmpty();
    renderCatalogue();
    window.bootstrap.Toast.getOrCreateInstance(undoToastEl).hide();
    const chart = charts.get(card);
    if (chart) chart.resize();
    card.querySelector("[data-action=remove]").focus();
  });

  grid.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button || !grid.classList.contains("dash-editing")) return;
    const card = button.closest(".dash-card");
    if (button.dataset.action === "up") move(card, -1);
    else if (button.dataset.action === "down") move(card, 1);
    else if (button.dataset.action === "remove") remove(card);
    if (button.dataset.action !== "remove") button.focus();
  });
  grid.addEventListener("change", (event) => {
    if (!event.target.classList.contains("dash-size-select")) return;
    setSize(event.target.closest(".dash-card"), event.target.value);
    markDirty();
  });

  // Drag and drop: the dragged card is placed before or after the card under the pointer.
  let dragged = null;
  grid.addEventListener("dragstart", (event) => {
    const card = event.target.closest(".dash-card");
    if (!card || !grid.classList.contains("dash-editing")) return;
    dragged = card;
    card.classList.add("dash-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.key);
  });
  grid.addEventListener("dragover", (event) => {
    if (!dragged) return;
    event.preventDefault();
    const over = event.target.closest(".dash-card");
    if (!over || over === dragged) return;
    const box = over.getBoundingClientRect();
    const after = event.clientY > box.top + box.height / 2 || (event.clientX > box.left + box.width / 2 && event.clientY > box.top);
    grid.insertBefore(dragged, after ? over.nextSibling : over);
  });
  grid.addEventListener("drop", (event) => {
    if (!dragged) return;
    event.preventDefault();
  });
  grid.addEventListener("dragend", () => {
    if (!dragged) return;
    dragged.classList.remove("dash-dragging");
    markDirty();
    say(fill(text.moved, { title: titleOf(dragged), n: cards().indexOf(dragged) + 1 }));
    dragged = null;
  });

  editButton.addEventListener("click", () => setEditing(true));
  addButton.addEventListener("click", () => {
    catalogueBox.hidden = !catalogueBox.hidden;
    addButton.setAttribute("aria-expanded", String(!catalogueBox.hidden));
    if (!catalogueBox.hidden) renderCatalogue();
  });
  nameInput.addEventListener("input", markDirty);

  document.getElementById("dash-cancel").addEventListener("click", () => {
    if (saved) {
      const current = new Map(cards().map((c) => [c.dataset.key, c]));
      const restored = saved.layout.map((item) => {
        const card = current.get(item.key) || (lastRemoved && lastRemoved.card.dataset.key === item.key ? lastRemoved.card : null);
        if (card) {
          setSize(card, item.size);
          return card;
        }
        const fresh = buildCard(byKey.get(item.key) || { key: item.key, title: item.key, url: "", kind: "list", size: item.size }, item.size);
        load(fresh);
        return fresh;
      });
      grid.replaceChildren(...restored);
      restored.forEach((c) => {
        const chart = charts.get(c);
        if (chart) chart.resize();
      });
      nameInput.value = saved.name;
    }
    dirty = false;
    syncEmpty();
    setEditing(false);
  });

  document.getElementById("dash-save").addEventListener("click", async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    errors.hidden = true;
    try {
      const response = await fetch(grid.dataset.saveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
        body: JSON.stringify({ name: nameInput.value, layout: layout() }),
      });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) {
        const messages = Object.values(answer.errors || {}).flat();
        showErrors(messages.length ? messages : [text.saveFailed]);
        return;
      }
      document.getElementById("dash-title").textContent = answer.name;
      document.title = document.title.replace(saved ? saved.name : "", answer.name);
      dirty = false;
      setEditing(false);
      say(answer.message || text.saved);
    } catch (err) {
      showErrors([text.saveFailed]);
    } finally {
      button.disabled = false;
    }
  });

  window.addEventListener("beforeunload", (event) => {
    if (dirty && grid.classList.contains("dash-editing")) {
      event.preventDefault();
      event.returnValue = text.unsaved;
    }
  });
})();
