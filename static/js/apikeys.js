// Settings → API keys: copies the freshly created key to the clipboard (no inline JS: CSP).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-copy-target]").forEach((button) => {
    button.addEventListener("click", async () => {
      const input = document.querySelector(button.dataset.copyTarget);
      if (!input) return;
      const label = button.querySelector("span");
      const original = label ? label.textContent : "";
      let copied = false;
      try {
        await navigator.clipboard.writeText(input.value);
        copied = true;
      } catch (error) {
        // Clipboard API unavailable (plain http, old browser): select the text so that
        // Ctrl+C / long-press copies it, and fall back to the legacy command.
        input.focus();
        input.select();
        copied = document.execCommand && document.execCommand("copy");
      }
      if (copied && label) {
        label.textContent = button.dataset.copiedLabel || original;
        button.classList.replace("btn-outline-dark", "btn-success");
        setTimeout(() => {
          label.textContent = original;
          button.classList.replace("btn-success", "btn-outline-dark");
        }, 2000);
      }
    });
  });
  // Selecting the whole key on focus makes a manual copy one gesture.
  document.querySelectorAll("#new-api-key").forEach((input) => {
    input.addEventListener("focus", () => input.select());
  });
});
