// Forecast page: draws the won / committed bars and the target line from the JSON endpoint
// (Chart.js, vendored). Targets grid: Enter and the arrow keys move between cells, pasting a
// column (or a block) copied from Excel fills the cells below and to the right.
// No inline scripts or styles (CSP): everything comes from data-* attributes and the JSON.
(() => {
  const canvas = document.getElementById("forecast-chart");
  if (canvas) {
    const status = document.getElementById("forecast-chart-status");
    const yen = new Intl.NumberFormat(document.documentElement.lang || "ja", {
      maximumFractionDigits: 0,
    });
    fetch(canvas.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then((body) => {
        const chart = body.chart;
        canvas.dataset.fetched = "1";
        if (chart.empty && status) status.textContent = chart.empty;
        if (!window.Chart) return;
        const colours = ["#198754", "#0d6efd", "#dc3545"];
        const drawn = new window.Chart(canvas, {
          type: "bar",
          data: {
            labels: chart.labels,
            datasets: chart.datasets.map((d, i) => ({
              label: d.label,
              data: d.data,
              type: d.kind === "line" ? "line" : "bar",
              backgroundColor: colours[i % colours.length],
              borderColor: colours[i % colours.length],
              order: d.kind === "line" ? 0 : 1,
            })),
          },
          options: {
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            scales: { y: { beginAtZero: true, ticks: { callback: (v) => yen.format(v) } } },
            plugins: {
              tooltip: {
                callbacks: { label: (ctx) => `${ctx.dataset.label}: ${yen.format(ctx.parsed.y)} ${chart.unit}` },
              },
            },
          },
        });
        canvas.dataset.rendered = drawn ? "1" : "0";
      })
      .catch(() => {
        canvas.dataset.fetched = "error";
        if (status) status.textContent = canvas.dataset.errorText || "";
      });
  }

  const form = document.getElementById("targets-form");
  if (!form) return;
  const cell = (row, col) => form.querySelector(`[data-target-cell][data-row="${row}"][data-col="${col}"]`);
  form.addEventListener("keydown", (event) => {
    const input = event.target;
    if (!input.matches || !input.matches("[data-target-cell]")) return;
    const row = Number(input.dataset.row);
    const col = Number(input.dataset.col);
    let next = null;
    if (event.key === "Enter" || event.key === "ArrowDown") next = cell(row + (event.shiftKey ? -1 : 1), col);
    else if (event.key === "ArrowUp") next = cell(row - 1, col);
    if (event.key === "Enter" || next) event.preventDefault();
    if (next) {
      next.focus();
      next.select();
    }
  });
  form.addEventListener("paste", (event) => {
    const input = event.target;
    if (!input.matches || !input.matches("[data-target-cell]")) return;
    const text = (event.clipboardData || window.clipboardData).getData("text");
    if (!/[\t\n]/.test(text.trim())) return; // one value: the browser pastes it
    event.preventDefault();
    const row = Number(input.dataset.row);
    const col = Number(input.dataset.col);
    text
      .replace(/\r/g, "")
      .replace(/\n$/, "")
      .split("\n")
      .forEach((line, i) => {
        line.split("\t").forEach((value, j) => {
          const target = cell(row + i, col + j);
          if (target) target.value = value.trim();
        });
      });
  });
})();
