// Embeds an inquiry form on any site:
//   <script src="https://crm.example/static/js/support_form_embed.js"
//           data-crm-form="https://crm.example/portal/<tenant>/forms/<key>/" async></script>
// Injects an <iframe> after the script tag and keeps its height equal to the form's (the
// form posts {type: "crm-form-height", height} to its parent).
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.crmForm) return;
  var src = script.dataset.crmForm;
  var url;
  try { url = new URL(src, window.location.href); } catch (e) { return; }
  url.searchParams.set("embed", "1");
  var frame = document.createElement("iframe");
  frame.src = url.toString();
  frame.title = script.dataset.title || "Inquiry form";
  frame.style.width = "100%";
  frame.style.border = "0";
  frame.style.minHeight = "300px";
  frame.style.height = "600px";
  frame.setAttribute("data-crm-form-frame", "");
  script.parentNode.insertBefore(frame, script.nextSibling);
  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow || event.origin !== url.origin) return;
    var data = event.data || {};
    if (data.type === "crm-form-height" && typeof data.height === "number" && data.height > 0) {
      frame.style.height = Math.min(Math.ceil(data.height), 20000) + "px";
    }
  });
})();
