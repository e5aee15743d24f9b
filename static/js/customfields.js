// Settings → custom fields: show only the rule inputs that apply to the chosen type, and
// suggest a key from the English label. The server checks everything again on save.
(() => {
  const RULES = {
    choices: ["select", "multi_select"],
    regex: ["text", "long_text", "email", "phone", "url"],
    min: ["text", "long_text", "integer", "decimal", "currency", "date", "datetime"],
    max: ["text", "long_text", "integer", "decimal", "currency", "date", "datetime"],
  };
  const form = document.getElementById("cf-form");
  if (!form) return;
  const typeInput = form.querySelector("[data-cf-type]");
  const wrapperOf = (input) => input.closest(".mb-3") || input.parentElement;

  const applyType = () => {
    const type = typeInput.value;
    Object.entries(RULES).forEach(([name, types]) => {
      const input = form.querySelector(`[data-cf-rule="${name}"]`);
      if (!input) return;
      const applies = types.includes(type);
      // Keep a field that holds a value (or an error) visible so nothing is hidden silently.
      const keep = applies || input.value.trim() !== "" || input.classList.contains("is-invalid");
      wrapperOf(input).hidden = !keep;
    });
    const dateType = type === "date" || type === "datetime";
    ["min", "max"].forEach((name) => {
      const input = form.querySelector(`[data-cf-rule="${name}"]`);
      if (input) input.placeholder = dateType ? "2024-04-01" : "";
    });
  };

  const keyInput = form.querySelector("[name=key]");
  const labelEn = form.querySelector("[name=label_en]");
  let keyTouched = keyInput && keyInput.value.trim() !== "";
  if (keyInput) keyInput.addEventListener("input", () => { keyTouched = true; });
  if (labelEn && keyInput && !keyInput.disabled) {
    labelEn.addEventListener("input", () => {
      if (keyTouched) return;
      keyInput.value = labelEn.value.toLowerCase()
        .replace(/[^a-z0-9]+/g, "_").replace(/^[^a-z]+/, "").replace(/_+$/, "").slice(0, 63);
    });
  }
  typeInput.addEventListener("change", applyType);
  applyType();
})();
