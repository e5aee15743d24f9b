// The deal board: drag a card to another column, or focus it and press ← / → or use its
// "Move to…" menu. The server answers each move with the columns' new headers; a refused
// move leaves the card where it was and says why. No inline scripts (CSP).
(() => {
  const board = document.querySelector(".deal-board");
  if (!board || board.dataset.canEdit !== "1") return;
  const status = document.getElementById("board-status");
  const dialog = document.getElementById("lost-dialog");
  const csrf = (() => {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  })();

  const columns = () => Array.from(board.querySelectorAll(".deal-column"));
  const columnOf = (el) => el.closest(".deal-column");

  function say(text, isError) {
    status.textContent = text;
    if (isError) window.alert(text);
  }

  function askLostReason() {
    return new Promise((resolve) => {
      const input = dialog.querySelector("input");
      input.value = "";
      dialog.returnValue = "";
      dialog.addEventListener(
        "close",
        () => resolve(dialog.returnValue === "ok" && input.value.trim() ? input.value.trim() : null),
        { once: true },
      );
      dialog.showModal();
      input.focus();
    });
  }

  async function move(card, column) {
    if (!card || !column || columnOf(card) === column) return;
    const stageId = column.dataset.stageId;
    const body = new URLSearchParams({ stage: stageId });
    if (column.dataset.kind === "lost") {
      const reason = await askLostReason();
      if (!reason) {
        card.focus();
        return;
      }
      body.set("lost_reason", reason);
    }
    const params = new URLSearchParams(window.location.search);
    for (const name of ["owner", "close_month", "tag"]) {
      if (params.get(name)) body.set(name, params.get(name));
    }
    let response;
    try {
      response = await fetch(card.dataset.moveUrl, {
        method: "POST",
        headers: { "X-CSRFToken": csrf, Accept: "application/json" },
        body,
        credentials: "same-origin",
      });
    } catch (e) {
      say(board.dataset.moveFailed, true);
      return;
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      say(data.error || board.dataset.moveFailed, true);
      card.focus();
      return;
    }
    const cards = column.querySelector(".deal-column-cards");
    cards.insertBefore(card, cards.firstChild);
    const select = card.querySelector(".deal-move-select");
    if (select) {
      for (const option of select.options) option.disabled = option.value === stageId;
      select.value = "";
    }
    for (const [id, html] of Object.entries(data.headers || {})) {
      const head = document.getElementById(`col-head-${id}`);
      if (head) head.innerHTML = html;
    }
    card.classList.remove("deal-stale");
    const stale = card.querySelector("[data-testid^='stale-']");
    if (stale) stale.remove();
    say(data.message || "", false);
    card.focus();
  }

  // Drag and drop (delegated: cards loaded by "show more" work too).
  board.addEventListener("dragstart", (event) => {
    const card = event.target.closest(".deal-card");
    if (!card) return;
    event.dataTransfer.setData("text/plain", card.dataset.dealId);
    event.dataTransfer.effectAllowed = "move";
    card.classList.add("dragging");
  });
  board.addEventListener("dragend", (event) => {
    const card = event.target.closest(".deal-card");
    if (card) card.classList.remove("dragging");
    columns().forEach((c) => c.classList.remove("drag-over"));
  });
  board.addEventListener("dragover", (event) => {
    const column = event.target.closest(".deal-column");
    if (!column) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    columns().forEach((c) => c.classList.toggle("drag-over", c === column));
  });
  board.addEventListener("drop", (event) => {
    const column = event.target.closest(".deal-column");
    if (!column) return;
    event.preventDefault();
    column.classList.remove("drag-over");
    const id = event.dataTransfer.getData("text/plain");
    move(board.querySelector(`.deal-card[data-deal-id="${CSS.escape(id)}"]`), column);
  });

  // Keyboard: ← / → move the focused card one column; the menu moves it anywhere.
  board.addEventListener("keydown", (event) => {
    const card = event.target;
    if (!card.classList || !card.classList.contains("deal-card")) return;
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    event.preventDefault();
    const all = columns();
    const index = all.indexOf(columnOf(card)) + (event.key === "ArrowRight" ? 1 : -1);
    if (index >= 0 && index < all.length) move(card, all[index]);
  });
  board.addEventListener("change", (event) => {
    const select = event.target.closest(".deal-move-select");
    if (!select || !select.value) return;
    const column = board.querySelector(`.deal-column[data-stage-id="${CSS.escape(select.value)}"]`);
    move(select.closest(".deal-card"), column);
  });
})();
