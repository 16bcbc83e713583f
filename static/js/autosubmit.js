// Selects marked data-autosubmit send their form as soon as the choice changes (the language
// menu, list filters). Kept out of the templates so the Content-Security-Policy needs no
// 'unsafe-inline' for scripts.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    const field = event.target;
    if (!(field instanceof Element) || !field.hasAttribute("data-autosubmit") || !field.form) return;
    if (typeof field.form.requestSubmit === "function") field.form.requestSubmit();
    else field.form.submit();
  });
})();
