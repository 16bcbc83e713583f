// The lock decision form: show only the fields the chosen scope and timing need.
// The server checks everything again; this only hides what does not apply.
(function () {
  "use strict";
  const form = document.getElementById("lock-form");
  if (!form) return;
  const byScope = { 1: [], 2: ["grade_level"], 3: ["class_group"], 4: ["class_subject"], 5: ["class_subject"] };
  const field = (name) => form.querySelector('[data-field="' + name + '"]');
  const value = (name) => (form.elements[name] ? form.elements[name].value : "");

  function update() {
    const shown = byScope[value("scope")] || [];
    ["grade_level", "class_group", "class_subject"].forEach(function (name) {
      const box = field(name);
      if (box) box.hidden = shown.indexOf(name) === -1;
    });
    const starts = field("starts_at");
    if (starts) starts.hidden = value("when") !== "at";
  }
  form.addEventListener("change", update);
  update();
})();
