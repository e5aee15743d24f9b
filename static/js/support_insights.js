// Support analytics: each section card fetches its JSON (support:insights_data) and draws
// tiles, Chart.js charts and tables. Text goes in with textContent only (subjects and
// comments are customer text); links only when they are paths on this site.
// No inline scripts or styles (CSP).
(() => {
  const colours = ["#0d6efd", "#198754", "#dc3545", "#fd7e14", "#6f42c1", "#20c997", "#6c757d"];
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  };
  const cell = (value, linkText) => {
    const td = el("td");
    if (value && typeof value === "object") {
      const url = String(value.url || "");
      if (url.startsWith("/") && !url.startsWith("//")) {
        const a = el("a", "", value.text);
        a.href = url;
        td.append(a);
      } else {
        td.textContent = value.text || "";
      }
      return td;
    }
    td.textContent = value === null || value === undefined ? "" : String(value);
    if (typeof value === "number") td.className = "text-end";
    return td;
  };
  const drawTable = (table) => {
    const box = el("div", "table-responsive mb-3");
    const t = el("table", "table table-sm table-striped align-middle mb-0");
    const caption = el("caption", "caption-top fw-semibold text-body", table.title);
    t.append(caption);
    const head = el("thead");
    const hr = el("tr");
    table.columns.forEach((c) => {
      const th = el("th", "", c);
      th.scope = "col";
      hr.append(th);
    });
    head.append(hr);
    const body = el("tbody");
    table.rows.forEach((row) => {
      const tr = el("tr");
      row.forEach((v) => tr.append(cell(v)));
      body.append(tr);
    });
    t.append(head, body);
    box.append(t);
    return box;
  };
  const drawChart = (holder, chart) => {
    const col = el("div", chart.type === "doughnut" ? "col-12 col-lg-4" : "col-12 col-lg-8");
    col.append(el("div", "small fw-semibold mb-1", chart.title));
    const wrap = el("div", "dash-chart");
    const canvas = el("canvas");
    canvas.id = `chart-${chart.id}`;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", chart.title);
    canvas.dataset.testid = `chart-${chart.id}`;
    canvas.setAttribute("data-testid", `chart-${chart.id}`);
    wrap.append(canvas);
    col.append(wrap);
    holder.append(col);
    if (!window.Chart) return;
    const doughnut = chart.type === "doughnut";
    const drawn = new window.Chart(canvas, {
      type: chart.type,
      data: {
        labels: chart.labels,
        datasets: chart.datasets.map((d, i) => ({
          label: d.label,
          data: d.data,
          backgroundColor: doughnut ? chart.labels.map((_, j) => colours[j % colours.length]) : colours[i % colours.length],
          borderColor: doughnut ? "#fff" : colours[i % colours.length],
          pointRadius: chart.type === "line" ? 0 : undefined,
          tension: 0.2,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: doughnut ? {} : { y: { beginAtZero: true } },
      },
    });
    canvas.dataset.rendered = drawn ? "1" : "0";
  };
  document.querySelectorAll(".insights-section[data-url]").forEach((section) => {
    const status = section.querySelector('[data-role="status"]');
    fetch(section.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then((body) => {
        section.dataset.loaded = "1";
        status.textContent = body.empty || body.note || "";
        status.hidden = !status.textContent;
        if (body.empty) {
          section.dataset.empty = "1";
          status.setAttribute("data-testid", `empty-${body.section}`);
          return;
        }
        const tiles = section.querySelector('[data-role="tiles"]');
        (body.tiles || []).forEach((tile) => {
          const box = el("div", "dash-tile");
          box.append(el("div", "small text-secondary", tile.label), el("div", "fs-4 fw-semibold", tile.value));
          tiles.append(box);
        });
        const charts = section.querySelector('[data-role="charts"]');
        (body.charts || []).forEach((chart) => drawChart(charts, chart));
        const tables = section.querySelector('[data-role="tables"]');
        (body.tables || []).forEach((table) => {
          if (table.rows.length) tables.append(drawTable(table));
        });
      })
      .catch(() => {
        section.dataset.loaded = "error";
        status.hidden = false;
        status.textContent = section.dataset.errorText || "";
      });
  });
})();
