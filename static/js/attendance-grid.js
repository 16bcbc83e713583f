// The monthly attendance grid: spreadsheet-like keyboard entry and automatic saving.
//
// Each cell is an <input> named c-<enrolment>-<yyyymmdd>-<session>-<version seen>-<code loaded or _>,
// so the form also works without this script (the whole month is posted). With it, changed cells
// are sent as JSON a moment after the last keystroke; the server answers with the new versions and
// totals, or 409 with the cells someone else changed meanwhile (their values are shown, ours are
// not written), or 400 with the reasons.
(function () {
  "use strict";

  const form = document.getElementById("attendance-form");
  if (!form) return;
  const status = document.getElementById("save-status");
  const text = JSON.parse(document.getElementById("grid-messages").textContent);
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const saveUrl = form.dataset.saveUrl;
  const CODES = new Set(["P", "K", "M"]);
  const CLEAR_KEYS = new Set(["Backspace", "Delete", " ", "-", "0"]);
  const SAVE_DELAY = 700;

  const rows = Array.from(form.querySelectorAll("#attendance-grid tbody tr")).map((tr) =>
    Array.from(tr.querySelectorAll("td.cell")).map((td) => td.querySelector("input.code"))
  );
  const byKey = new Map();
  rows.forEach((row, r) =>
    row.forEach((input, c) => {
      if (!input) return;
      input.dataset.r = r;
      input.dataset.c = c;
      byKey.set(key(parse(input)), input);
    })
  );

  let timer = null;
  let saving = false;
  let again = false;

  function parse(input) {
    const p = input.name.split("-");
    const d = p[2];
    return {
      enrolment: Number(p[1]),
      date: `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`,
      day: d,
      session: p[3],
      version: Number(p[4]),
      loaded: p[5] === "_" ? "" : p[5],
    };
  }

  function key(cell) {
    return `${cell.enrolment}|${cell.date}|${cell.session}`;
  }

  function rename(input, version, code) {
    const cell = parse(input);
    input.name = `c-${cell.enrolment}-${cell.day}-${cell.session}-${version}-${code || "_"}`;
  }

  function setStatus(state, message) {
    status.dataset.state = state;
    status.textContent = message;
  }

  function dirtyInputs() {
    return Array.from(form.querySelectorAll("input.code.dirty"));
  }

  function focusAt(r, c) {
    const input = rows[r] && rows[r][c];
    if (input && !input.disabled) {
      input.focus();
      input.select();
      return true;
    }
    return false;
  }

  // Move from (r, c) by (dr, dc), skipping disabled cells (a student who left, a locked day).
  function move(input, dr, dc) {
    let r = Number(input.dataset.r);
    let c = Number(input.dataset.c);
    for (;;) {
      r += dr;
      c += dc;
      if (r < 0 || r >= rows.length || c < 0 || c >= rows[r].length) return;
      if (focusAt(r, c)) return;
    }
  }

  function setCode(input, code) {
    if (input.disabled) return;
    input.value = code;
    input.setAttribute("value", code);
    input.classList.remove("conflict");
    input.classList.toggle("dirty", code !== parse(input).loaded);
    schedule();
  }

  function schedule() {
    if (dirtyInputs().length === 0) {
      if (!saving) setStatus("saved", text.saved);
      return;
    }
    setStatus("dirty", text.dirty);
    clearTimeout(timer);
    timer = setTimeout(save, SAVE_DELAY);
  }

  function hint(message) {
    setStatus("error", message);
    setTimeout(() => {
      if (status.dataset.state === "error" && status.textContent === message) schedule();
    }, 2500);
  }

  form.addEventListener("keydown", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.classList.contains("code")) return;
    const k = event.key;
    if ((event.ctrlKey || event.metaKey) && k.toLowerCase() === "s") {
      event.preventDefault();
      clearTimeout(timer);
      save();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const upper = k.length === 1 ? k.toUpperCase() : k;
    if (CODES.has(upper)) {
      event.preventDefault();
      setCode(input, upper);
      move(input, 1, 0);
    } else if (CLEAR_KEYS.has(k)) {
      event.preventDefault();
      setCode(input, "");
      if (k === "Backspace") move(input, 0, -1);
    } else if (k === "ArrowDown" || (k === "Enter" && !event.shiftKey)) {
      event.preventDefault();
      move(input, 1, 0);
    } else if (k === "ArrowUp" || (k === "Enter" && event.shiftKey)) {
      event.preventDefault();
      move(input, -1, 0);
    } else if (k === "ArrowLeft") {
      event.preventDefault();
      move(input, 0, -1);
    } else if (k === "ArrowRight") {
      event.preventDefault();
      move(input, 0, 1);
    } else if (k === "Home" || k === "End") {
      event.preventDefault();
      const row = rows[Number(input.dataset.r)];
      const order = k === "Home" ? row : [...row].reverse();
      const target = order.find((i) => i && !i.disabled);
      if (target) focusAt(Number(target.dataset.r), Number(target.dataset.c));
    } else if (k.length === 1) {
      event.preventDefault();
      hint(text.onlyCodes);
    }
  });

  // Typing through an input method or pasting: keep only a valid code.
  form.addEventListener("input", (event) => {
    const input = event.target;
    if (!input.classList || !input.classList.contains("code")) return;
    const code = input.value.trim().toUpperCase().slice(-1);
    if (code && !CODES.has(code)) {
      input.value = "";
      hint(text.onlyCodes);
    }
    setCode(input, code && CODES.has(code) ? code : "");
  });

  form.addEventListener("focusin", (event) => {
    if (event.target.classList && event.target.classList.contains("code")) event.target.select();
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    save();
  });

  window.addEventListener("beforeunload", (event) => {
    if (dirtyInputs().length || saving) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  function updateTotals(totals) {
    form.querySelectorAll("[data-total]").forEach((cell) => {
      const [owner, period, field] = cell.dataset.total.split(":");
      const source = owner === "class" ? totals.class : totals.students[owner];
      if (source && source[period]) {
        cell.textContent = source[period][field];
        if (cell.dataset.warn) {
          cell.classList.remove("warn", "over");
          if (source[period].warn) cell.classList.add(source[period].warn);
        }
      }
    });
  }

  async function save() {
    if (saving) {
      again = true;
      return;
    }
    const inputs = dirtyInputs();
    if (inputs.length === 0) {
      setStatus("saved", text.saved);
      return;
    }
    saving = true;
    setStatus("saving", text.saving);
    const sent = new Map(inputs.map((input) => [input, input.value]));
    const cells = inputs.map((input) => {
      const cell = parse(input);
      return { enrolment: cell.enrolment, date: cell.date, session: cell.session, code: input.value, version: cell.version };
    });
    let response;
    let body = {};
    try {
      response = await fetch(saveUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ cells }),
        credentials: "same-origin",
      });
      body = await response.json().catch(() => ({}));
    } catch (error) {
      saving = false;
      setStatus("error", text.offline);
      timer = setTimeout(save, 5000);
      return;
    }
    saving = false;
    if (response.ok) {
      for (const mark of body.saved || []) {
        const input = byKey.get(key(mark));
        if (!input) continue;
        rename(input, mark.version, mark.code);
      }
      // A cell counts as saved when its value is still the one sent (it may have changed meanwhile).
      for (const [input, value] of sent) {
        if (input.value === value) {
          const cell = parse(input);
          if (cell.loaded !== value) rename(input, cell.version, value);
          input.classList.remove("dirty");
        }
      }
      if (body.totals) updateTotals(body.totals);
      if (again || dirtyInputs().length) {
        again = false;
        save();
      } else {
        setStatus("saved", form.querySelector("input.conflict") ? text.savedWithConflicts : text.saved);
      }
    } else if (response.status === 409) {
      for (const conflict of body.conflicts || []) {
        const input = byKey.get(key(conflict));
        if (!input) continue;
        input.value = conflict.code;
        input.setAttribute("value", conflict.code);
        rename(input, conflict.version, conflict.code);
        input.classList.remove("dirty");
        input.classList.add("conflict");
      }
      setStatus("conflict", body.message || text.conflict);
      if (dirtyInputs().length) timer = setTimeout(save, SAVE_DELAY);
    } else if (response.status === 403 || response.status === 404) {
      setStatus("error", text.forbidden);
    } else {
      setStatus("error", body.message || text.failed);
    }
  }
})();
