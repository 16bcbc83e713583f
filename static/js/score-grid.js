// The subject teacher's grid: spreadsheet keys, a save per cell with retry, version conflicts,
// paste from a spreadsheet with a preview, the history of a cell. Vanilla JS, no library.
//
// Every cell is an <input data-hs data-term data-col data-v>: data-v is the version the page
// loaded (0 = never saved). A save sends that version; the server refuses it (409) if the cell
// changed meanwhile, and the teacher chooses which value to keep. The server is the judge of
// every value: the parsing below mirrors grades/grid.py (and the rules engine's parse_score) only
// so that a mistake is shown at once, and the averages here are confirmed by the server's.

const config = JSON.parse(document.getElementById("grid-config").textContent);
const T = config.text;
const grid = document.getElementById("grid");
const statusEl = document.getElementById("save-status");
const info = document.getElementById("cell-info");
const conflictsEl = document.getElementById("conflicts");
const historyButton = document.getElementById("history-button");
const noMakeupButton = document.getElementById("no-makeup-button");

const MAX_IN_FLIGHT = 1; // saves go one at a time, in the order typed
const MAX_BACKOFF = 30000;
const weights = new Map(config.columns.map((c) => [c.key, c.weight]));
const isCommentSubject = config.subjectKind === "comment";

const fmt = (template, values) => template.replace(/%\((\w+)\)s/g, (_m, k) => String(values[k] ?? ""));

// --- the matrix of cells ---------------------------------------------------------------------

const rows = Array.from(grid.tBodies[0].rows).map((tr) => Array.from(tr.querySelectorAll("input.cell")));
const position = new Map();
const byKey = new Map();
rows.forEach((row, r) =>
  row.forEach((input, c) => {
    position.set(input, [r, c]);
    byKey.set(cellKey(input), input);
    input.dataset.saved = input.value;
  }),
);

function cellKey(input) {
  return `${input.dataset.hs}|${input.dataset.term}|${input.dataset.col}`;
}

function describe(input) {
  return input.getAttribute("aria-label") || cellKey(input);
}

// --- parsing (mirror of grades.grid.parse_entry / grades.rules.validation.parse_score) -----------

const SCORE_RE = /^-?[0-9]+(?:[.,][0-9]+)?$/;
const CONTROL_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
const COMMENT_WORDS = {
  "đ": "Đ", d: "Đ", "đạt": "Đ", dat: "Đ",
  "cđ": "CĐ", cd: "CĐ", "chưa đạt": "CĐ", "chua dat": "CĐ",
};
const ABSENT_WORDS = new Set(["v", "vắng", "vang"]);

function tenthsDisplay(tenths) {
  return `${Math.floor(tenths / 10)},${tenths % 10}`;
}

export function parseCell(column, raw) {
  const text = (raw || "").normalize("NFC").trim();
  if (column === "comment") {
    const comment = (raw || "").normalize("NFC").replace(CONTROL_RE, "").trim();
    if (comment.length > 1000) return { ok: false, error: T.commentTooLong };
    return { ok: true, display: comment, empty: comment === "" };
  }
  if (text === "") return { ok: true, display: "", empty: true };
  const lower = text.toLowerCase();
  if (text.length <= 20 && ABSENT_WORDS.has(lower)) return { ok: true, display: "V", absent: true };
  if (isCommentSubject) {
    if (text.length > 12) return { ok: false, error: T.commentExpected };
    const mark = COMMENT_WORDS[lower.split(/\s+/).join(" ")];
    return mark ? { ok: true, display: mark, mark } : { ok: false, error: T.commentExpected };
  }
  if (text.length > 12) return { ok: false, error: T.tooLong };
  if (!SCORE_RE.test(text)) return { ok: false, error: COMMENT_WORDS[lower] ? T.scoreExpected : T.invalid };
  if (text.startsWith("-")) return { ok: false, error: T.negative };
  const [whole, fraction = ""] = text.split(/[.,]/);
  const digits = fraction.replace(/0+$/, "");
  const units = parseInt(whole, 10);
  if (units > 10 || (units === 10 && digits !== "")) return { ok: false, error: T.tooHigh };
  if (digits.length > 1) {
    // Never round silently (R-NUM-3): refuse, and offer the half-up rounded value.
    let suggestion = units * 10 + Number(digits[0]) + (Number(digits[1]) >= 5 ? 1 : 0);
    return { ok: false, error: fmt(T.decimals, { s: tenthsDisplay(suggestion) }) };
  }
  const tenths = units * 10 + (digits ? Number(digits[0]) : 0);
  return { ok: true, display: tenthsDisplay(tenths), tenths };
}

// --- live averages (the rule set's formula: weights 1/2/3, one half-up rounding) --------------

function halfUpTenths(numerator, denominator) {
  // round(numerator / denominator) half up, all integers and non-negative
  return Math.floor((2 * numerator + denominator) / (2 * denominator));
}

function valueOf(input) {
  let parsed = parseCell(input.dataset.col, input.value);
  if (!parsed.ok) parsed = parseCell(input.dataset.col, input.dataset.saved);
  if (!parsed.ok || parsed.empty || parsed.absent) return null;
  return isCommentSubject ? parsed.mark : parsed.tenths;
}

function termResult(inputs) {
  const cells = inputs.map((input) => ({ value: valueOf(input), weight: weights.get(input.dataset.col) || 1 }));
  const present = cells.filter((c) => c.value !== null);
  if (present.length === 0) return null;
  const complete = present.length === cells.length;
  if (isCommentSubject) {
    let pass;
    if (config.commentRule === "all") {
      pass = !present.some((c) => c.value === "CĐ");
    } else {
      const passes = present.filter((c) => c.value === "Đ").length;
      pass = 3 * passes >= 2 * present.length && cells[cells.length - 1].value !== "CĐ";
    }
    return { mark: pass ? "Đ" : "CĐ", display: pass ? "Đ" : "CĐ", provisional: !complete };
  }
  const sum = present.reduce((s, c) => s + c.value * c.weight, 0);
  const weight = present.reduce((s, c) => s + c.weight, 0);
  const tenths = halfUpTenths(sum, weight);
  return { tenths, display: tenthsDisplay(tenths), provisional: !complete };
}

function yearResult(first, second) {
  if (!first || !second) return isCommentSubject && second ? second : null;
  if (isCommentSubject) return second;
  const tenths = halfUpTenths(first.tenths + 2 * second.tenths, 3);
  return { tenths, display: tenthsDisplay(tenths), provisional: first.provisional || second.provisional };
}

function showAverage(td, result) {
  if (!td) return;
  td.querySelector(".v").textContent = result ? result.display : "";
  td.classList.toggle("is-provisional", Boolean(result && result.provisional));
}

function recomputeRow(tr) {
  const results = {};
  for (const term of config.terms) {
    const inputs = Array.from(tr.querySelectorAll(`input.cell[data-term="${term.id}"]`)).filter(
      (input) => input.dataset.col !== "comment",
    );
    results[term.number] = termResult(inputs);
    showAverage(tr.querySelector(`td[data-avg="${term.id}"]`), results[term.number]);
  }
  if (config.mode === "year") showAverage(tr.querySelector('td[data-avg="year"]'), yearResult(results[1], results[2]));
}

function confirmAverages(tr, averages) {
  // The server's averages win, unless the row still has cells the server has not seen.
  const busy = Array.from(tr.querySelectorAll("input.cell")).some((input) => input.dataset.save && input.dataset.save !== "saved");
  if (busy || !averages) return;
  for (const [key, value] of Object.entries(averages)) {
    showAverage(tr.querySelector(`td[data-avg="${key}"]`), value.display ? value : null);
  }
}

// --- the save queue ---------------------------------------------------------------------------

const queue = new Map(); // key -> {input, text, noMakeup}
const inFlight = new Set();
let backoff = 0;
let resumeAt = 0;
let sessionLost = false;

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

async function postJSON(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
    body: JSON.stringify(body),
  });
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  return { status: response.status, ok: response.ok, data };
}

function setSave(input, state, message = "") {
  if (state) input.dataset.save = state;
  else delete input.dataset.save;
  input.title = message || input.dataset.lock || "";
  if (state === "saved") {
    clearTimeout(input._fade);
    input._fade = setTimeout(() => {
      if (input.dataset.save === "saved") delete input.dataset.save;
    }, 2500);
  }
  updateStatus();
  if (input === document.activeElement) updateInfo(input);
}

function enqueue(input, text, options = {}) {
  queue.set(cellKey(input), { input, text, noMakeup: Boolean(options.noMakeup) });
  setSave(input, "saving");
  pump();
}

function pump() {
  const wait = resumeAt - Date.now();
  if (wait > 0) {
    clearTimeout(pump.timer);
    pump.timer = setTimeout(pump, wait);
    updateStatus();
    return;
  }
  for (const [key, item] of queue) {
    if (inFlight.size >= MAX_IN_FLIGHT) break;
    if (inFlight.has(key)) continue; // one save per cell at a time: the next waits for the version
    queue.delete(key);
    inFlight.add(key);
    send(item).finally(() => {
      inFlight.delete(key);
      pump();
    });
  }
  updateStatus();
}

function retryLater(item) {
  const key = cellKey(item.input);
  if (!queue.has(key)) queue.set(key, item); // a newer value typed meanwhile wins
  backoff = Math.min(MAX_BACKOFF, backoff ? backoff * 2 : 1000);
  resumeAt = Date.now() + backoff;
}

async function send(item) {
  const { input } = item;
  let result;
  try {
    result = await postJSON(config.urls.save, {
      hs: Number(input.dataset.hs),
      term: Number(input.dataset.term),
      col: input.dataset.col,
      value: item.text,
      version: Number(input.dataset.v),
      no_makeup: item.noMakeup,
    });
  } catch {
    retryLater(item); // the network dropped: nothing is lost, the cell waits in the queue
    return;
  }
  const { status, data } = result;
  if (status === 401 || (data === null && status < 500)) {
    sessionLost = true;
    retryLater(item);
    return;
  }
  if (status >= 500 || status === 408 || status === 429 || data === null) {
    retryLater(item);
    return;
  }
  backoff = 0;
  sessionLost = false;
  const tr = input.closest("tr");
  if (status === 200) {
    input.dataset.v = data.version;
    input.dataset.saved = data.value;
    input.dataset.state = data.state || "";
    input._conflict = null;
    if (!queue.has(cellKey(input))) {
      if (document.activeElement !== input || input._mode === "nav") input.value = data.value;
      setSave(input, "saved", data.warning || "");
    }
    confirmAverages(tr, data.averages);
  } else if (status === 409) {
    input._conflict = { ...data.conflict, mine: item.text };
    setSave(input, "conflict", data.error);
    renderConflicts();
  } else {
    input._unsaved = item.text;
    setSave(input, "error", data.error || fmt(T.failed, { s: status }));
  }
  recomputeRow(tr);
}

function pendingCount() {
  return queue.size + inFlight.size;
}

function countState(state) {
  return grid.querySelectorAll(`input.cell[data-save="${state}"]`).length;
}

function updateStatus() {
  const pending = pendingCount();
  const errors = countState("error");
  const conflicts = countState("conflict");
  let text;
  let state;
  if (conflicts) [text, state] = [fmt(T.conflicts, { n: conflicts }), "conflict"];
  else if (errors) [text, state] = [fmt(T.errors, { n: errors }), "error"];
  else if (pending && sessionLost) [text, state] = [T.session, "offline"];
  else if (pending && resumeAt > Date.now()) [text, state] = [fmt(T.offline, { n: pending }), "offline"];
  else if (pending) [text, state] = [fmt(T.saving, { n: pending }), "saving"];
  else [text, state] = [T.saved, "saved"];
  statusEl.textContent = text;
  statusEl.className = `save-status is-${state}`;
}

window.addEventListener("beforeunload", (event) => {
  if (pendingCount() || countState("error") || countState("conflict")) {
    event.preventDefault();
    event.returnValue = T.leave;
    return T.leave;
  }
  return undefined;
});
window.addEventListener("online", () => {
  resumeAt = 0;
  pump();
});

function drain(timeout = 15000) {
  return new Promise((resolve) => {
    const started = Date.now();
    const check = () => {
      if (!pendingCount() || Date.now() - started > timeout) resolve(!pendingCount());
      else setTimeout(check, 100);
    };
    check();
  });
}

// --- committing a typed value -----------------------------------------------------------------

function commit(input) {
  if (input.readOnly) return true;
  if (input._committed === input.value && input.dataset.save !== undefined) return input.dataset.save !== "error";
  input._committed = input.value;
  const parsed = parseCell(input.dataset.col, input.value);
  if (!parsed.ok) {
    input._unsaved = input.value;
    setSave(input, "error", parsed.error);
    recomputeRow(input.closest("tr"));
    return false;
  }
  if (input.dataset.col !== "comment") input.value = parsed.display;
  const key = cellKey(input);
  if (parsed.display === input.dataset.saved && !queue.has(key) && !inFlight.has(key) && !input._conflict) {
    if (input.dataset.save === "error") setSave(input, null);
    recomputeRow(input.closest("tr"));
    return true;
  }
  if (parsed.display === input._sent && (queue.has(key) || inFlight.has(key))) return true;
  input._sent = parsed.display;
  input._unsaved = null;
  enqueue(input, input.value);
  recomputeRow(input.closest("tr"));
  return true;
}

// --- keyboard ---------------------------------------------------------------------------------

let enterDirection = localStorage.getItem("sodiem.enterDirection") || "down";
const enterSelect = document.getElementById("enter-direction");
if (enterSelect) {
  enterSelect.value = enterDirection;
  enterSelect.addEventListener("change", () => {
    enterDirection = enterSelect.value;
    localStorage.setItem("sodiem.enterDirection", enterDirection);
  });
}

function focusCell(r, c) {
  if (r < 0 || r >= rows.length) return false;
  const row = rows[r];
  if (c < 0 || c >= row.length) return false;
  row[c].focus();
  return true;
}

function moveFrom(input, dr, dc, wrap = false) {
  if (!commit(input)) {
    // A refused value keeps the focus, with its message; typing replaces it, Esc takes it back.
    input._mode = "nav";
    input.select();
    return;
  }
  const [r, c] = position.get(input);
  let [nr, nc] = [r + dr, c + dc];
  if (wrap && nc >= rows[r].length) [nr, nc] = [r + 1, 0];
  if (wrap && nc < 0) [nr, nc] = [r - 1, rows[Math.max(0, r - 1)].length - 1];
  focusCell(nr, nc);
}

grid.addEventListener("keydown", (event) => {
  const input = event.target.closest("input.cell");
  if (!input || event.isComposing) return;
  const mode = input._mode || "nav";
  switch (event.key) {
    case "ArrowUp":
      event.preventDefault();
      moveFrom(input, -1, 0);
      break;
    case "ArrowDown":
      event.preventDefault();
      moveFrom(input, 1, 0);
      break;
    case "ArrowLeft":
    case "ArrowRight":
      if (mode === "edit") return; // F2 or a click: the arrows move the caret
      event.preventDefault();
      moveFrom(input, 0, event.key === "ArrowLeft" ? -1 : 1);
      break;
    case "Tab":
      event.preventDefault();
      moveFrom(input, 0, event.shiftKey ? -1 : 1, true);
      break;
    case "Enter":
      event.preventDefault();
      if (enterDirection === "right") moveFrom(input, 0, 1, true);
      else moveFrom(input, 1, 0);
      break;
    case "Escape":
      event.preventDefault();
      input.value = input._before ?? input.dataset.saved;
      if (input.dataset.save === "error" && input.value === input.dataset.saved) setSave(input, null);
      input._committed = undefined;
      input._mode = "nav";
      input.select();
      recomputeRow(input.closest("tr"));
      break;
    case "Delete":
      if (mode === "nav" && !input.readOnly) {
        event.preventDefault();
        input.value = "";
        commit(input);
        input.select();
      }
      break;
    case "Backspace":
      if (mode === "nav" && !input.readOnly) {
        event.preventDefault();
        input.value = "";
        input._mode = "enter";
      }
      break;
    case "F2":
      event.preventDefault();
      input._mode = "edit";
      input.setSelectionRange(input.value.length, input.value.length);
      break;
    default:
      break;
  }
});

grid.addEventListener("input", (event) => {
  const input = event.target.closest("input.cell");
  if (!input) return;
  if ((input._mode || "nav") === "nav") input._mode = "enter";
  recomputeRow(input.closest("tr"));
});

let justFocused = null;
grid.addEventListener("focusin", (event) => {
  const input = event.target.closest("input.cell");
  if (!input) return;
  input._before = input.dataset.save === "error" ? input.dataset.saved : input.value;
  input._mode = "nav";
  input.select();
  justFocused = input;
  updateInfo(input);
});
grid.addEventListener("mouseup", (event) => {
  // keep the whole value selected after the click that focused the cell (type to replace)
  if (event.target === justFocused) event.preventDefault();
  justFocused = null;
});
grid.addEventListener("click", (event) => {
  const input = event.target.closest("input.cell");
  if (input && document.activeElement === input && justFocused !== input && input._mode === "nav") input._mode = "edit";
});
grid.addEventListener("dblclick", (event) => {
  const input = event.target.closest("input.cell");
  if (input) input._mode = "edit";
});
grid.addEventListener("focusout", (event) => {
  const input = event.target.closest("input.cell");
  if (input) commit(input);
});

// --- the focused cell's information bar -------------------------------------------------------

let focused = null;

function updateInfo(input) {
  focused = input;
  const where = info.querySelector(".where");
  const what = info.querySelector(".what");
  where.textContent = describe(input);
  let note = "";
  if (input.dataset.save === "error" || input.dataset.save === "conflict" || input.title) note = input.title;
  else if (input.dataset.lock) note = input.dataset.lock; // the lock message says "Đã khóa: …" (no emoji: no glyph here)
  else if (input.closest("tr").classList.contains("is-left")) note = `${T.left}: ${input.closest("tr").title}`;
  else if (input.readOnly) note = T.readOnly;
  else if (input.dataset.state === "absent") note = T.absent;
  what.textContent = note;
  what.className = `what${input.dataset.save === "error" ? " error" : ""}`;
  historyButton.disabled = false;
  if (noMakeupButton) noMakeupButton.hidden = !(input.dataset.state === "absent" && !input.readOnly);
}

if (noMakeupButton) {
  noMakeupButton.addEventListener("mousedown", (event) => event.preventDefault());
  noMakeupButton.addEventListener("click", () => {
    if (!focused || focused.readOnly) return;
    enqueue(focused, "", { noMakeup: true });
  });
}

// --- history ----------------------------------------------------------------------------------

const historyDialog = document.getElementById("history-dialog");
historyButton.addEventListener("mousedown", (event) => event.preventDefault());
historyButton.addEventListener("click", async () => {
  if (!focused) return;
  const params = new URLSearchParams({ hs: focused.dataset.hs, term: focused.dataset.term, col: focused.dataset.col });
  const response = await fetch(`${config.urls.history}?${params}`, { credentials: "same-origin" });
  const data = await response.json().catch(() => ({ error: String(response.status) }));
  const body = historyDialog.querySelector("tbody");
  body.replaceChildren();
  historyDialog.querySelector(".title").textContent = data.title || data.error || "";
  for (const line of data.lines || []) {
    const tr = document.createElement("tr");
    for (const value of [line.version, line.old || T.empty, line.new || T.empty, line.state, line.by, line.at, line.reason]) {
      const td = document.createElement("td");
      td.textContent = value;
      tr.append(td);
    }
    body.append(tr);
  }
  historyDialog.querySelector(".empty").hidden = Boolean(data.lines && data.lines.length);
  historyDialog.showModal();
});

// --- conflicts: both values shown, the teacher chooses ----------------------------------------

function renderConflicts() {
  const cells = Array.from(grid.querySelectorAll('input.cell[data-save="conflict"]'));
  conflictsEl.replaceChildren();
  conflictsEl.hidden = cells.length === 0;
  for (const input of cells) {
    const c = input._conflict;
    const line = document.createElement("p");
    line.textContent = fmt(T.conflictLine, {
      cell: describe(input),
      mine: c.mine || T.empty,
      by: c.by || T.someoneElse,
      theirs: c.theirs || T.empty,
      at: c.at,
    });
    const mine = document.createElement("button");
    mine.type = "button";
    mine.className = "button small keep-mine";
    mine.textContent = `${T.keepMine} (${c.mine || T.empty})`;
    mine.addEventListener("click", () => {
      input.dataset.v = c.version; // deliberately over the value the teacher has now seen
      input._conflict = null;
      input.value = c.mine;
      enqueue(input, c.mine);
      renderConflicts();
    });
    const theirs = document.createElement("button");
    theirs.type = "button";
    theirs.className = "button small keep-theirs";
    theirs.textContent = `${T.keepTheirs} (${c.theirs || T.empty})`;
    theirs.addEventListener("click", () => {
      input.dataset.v = c.version;
      input.dataset.saved = c.theirs;
      input.dataset.state = c.theirs === "V" ? "absent" : "entered";
      input.value = c.theirs;
      input._committed = c.theirs;
      input._conflict = null;
      setSave(input, "saved");
      recomputeRow(input.closest("tr"));
      renderConflicts();
    });
    line.append(" ", mine, " ", theirs);
    conflictsEl.append(line);
  }
}

// --- paste from a spreadsheet -----------------------------------------------------------------

const pasteDialog = document.getElementById("paste-dialog");
const pasteApply = document.getElementById("paste-apply");
let pasteLines = [];

grid.addEventListener("paste", (event) => {
  const input = event.target.closest("input.cell");
  if (!input || input.readOnly) return;
  const text = (event.clipboardData || window.clipboardData).getData("text/plain");
  const trimmed = text.replace(/[\r\n]+$/, "");
  event.preventDefault();
  if (!/[\t\r\n]/.test(trimmed)) {
    input.value = trimmed; // one value: as if typed
    input._mode = "enter";
    commit(input);
    return;
  }
  startPaste(input, text);
});

async function startPaste(input, text) {
  await drain(); // the preview must see the cells this page has already sent
  const term = Number(input.dataset.term);
  let result;
  try {
    result = await postJSON(config.urls.pastePreview, {
      mode: config.mode,
      hs: Number(input.dataset.hs),
      term,
      col: input.dataset.col,
      text,
    });
  } catch {
    statusEl.textContent = fmt(T.failed, { s: "network" });
    return;
  }
  if (!result.ok) {
    statusEl.textContent = result.data ? result.data.error : fmt(T.failed, { s: result.status });
    statusEl.className = "save-status is-error";
    return;
  }
  pasteLines = result.data.lines;
  const counts = result.data.counts;
  const changes = pasteLines.filter((line) => line.entry);
  const statusText = {
    new: T.statusNew,
    changed: T.statusChanged,
    cleared: T.statusCleared,
    unchanged: T.statusUnchanged,
    refused: T.statusRefused,
  };
  const body = pasteDialog.querySelector("tbody");
  body.replaceChildren();
  for (const line of pasteLines) {
    const tr = document.createElement("tr");
    tr.className = `is-${line.status}`;
    const change = line.message ? `${statusText[line.status]}: ${line.message}` : statusText[line.status];
    for (const value of [line.student, line.column, line.old || T.empty, line.new || T.empty, change]) {
      const td = document.createElement("td");
      td.textContent = value;
      tr.append(td);
    }
    body.append(tr);
  }
  const parts = [];
  if (!changes.length) parts.push(T.pasteNothing);
  if (counts.refused) parts.push(fmt(T.refusedNote, { n: counts.refused }));
  pasteDialog.querySelector(".summary").textContent = parts.join(" ");
  pasteApply.textContent = fmt(T.applyN, { n: changes.length });
  pasteApply.disabled = changes.length === 0;
  pasteDialog.returnFocus = input;
  pasteDialog.showModal();
}

document.getElementById("paste-cancel").addEventListener("click", () => {
  pasteDialog.close();
  if (pasteDialog.returnFocus) pasteDialog.returnFocus.focus();
});

pasteApply.addEventListener("click", async () => {
  const changes = pasteLines.filter((line) => line.entry).map((line) => line.entry);
  pasteApply.disabled = true;
  let result;
  try {
    result = await postJSON(config.urls.pasteApply, { entries: changes });
  } catch {
    pasteDialog.querySelector(".summary").textContent = fmt(T.failed, { s: "network" });
    pasteApply.disabled = false;
    return;
  }
  if (!result.ok) {
    const data = result.data || {};
    const details = (data.conflicts || []).map((c) =>
      fmt(T.conflictLine, { cell: describeKey(c), mine: c.mine || T.empty, by: c.by || T.someoneElse, theirs: c.theirs || T.empty, at: c.at }),
    );
    const errors = (data.errors || []).map((e) => `${describeKey(e)}: ${e.message}`);
    pasteDialog.querySelector(".summary").textContent = [data.error || fmt(T.failed, { s: result.status }), ...details, ...errors].join(" ");
    return;
  }
  const touched = new Set();
  for (const cell of result.data.cells) {
    const input = byKey.get(`${cell.hs}|${cell.term}|${cell.col}`);
    if (!input) continue;
    input.value = cell.value;
    input.dataset.saved = cell.value;
    input.dataset.v = cell.version;
    input.dataset.state = cell.state || "";
    input._committed = cell.value;
    setSave(input, "saved");
    touched.add(input.closest("tr"));
  }
  // Refused values stay visible in their cells, in red, unsaved: never dropped silently.
  for (const line of pasteLines) {
    if (line.status !== "refused" || !line.target) continue;
    const input = byKey.get(`${line.target.hs}|${line.target.term}|${line.target.col}`);
    if (!input || input.readOnly) continue;
    input.value = line.target.value;
    input._committed = input.value;
    input._unsaved = input.value;
    setSave(input, "error", line.message);
    touched.add(input.closest("tr"));
  }
  for (const tr of touched) {
    recomputeRow(tr);
    confirmAverages(tr, result.data.averages[tr.dataset.hs]);
  }
  pasteDialog.close();
  if (pasteDialog.returnFocus) pasteDialog.returnFocus.focus();
});

function describeKey(c) {
  const input = byKey.get(`${c.hs}|${c.term}|${c.col}`);
  return input ? describe(input) : `${c.hs}/${c.col}`;
}

// --- test dates and the subject switch --------------------------------------------------------

grid.querySelectorAll(".test-date input[type=date]").forEach((field) => {
  field.addEventListener("change", async () => {
    const result = await postJSON(config.urls.testDate, {
      term: Number(field.dataset.term),
      col: field.dataset.col,
      date: field.value,
    }).catch(() => null);
    const due = grid.querySelector(`[data-due="${field.dataset.term}-${field.dataset.col}"]`);
    if (result && result.ok) {
      field.value = result.data.date;
      if (due) due.textContent = result.data.deadline ? `${T.deadline} ${result.data.deadline.slice(0, 5)}` : "";
      field.classList.remove("is-error");
      field.title = "";
    } else {
      field.classList.add("is-error");
      field.title = result && result.data ? result.data.error : fmt(T.failed, { s: "network" });
      info.querySelector(".what").textContent = field.title;
    }
  });
});

const uploadFile = document.getElementById("upload-file");
if (uploadFile) uploadFile.addEventListener("change", () => uploadFile.files.length && uploadFile.form.submit());

const subjectSwitch = document.getElementById("subject-switch");
if (subjectSwitch) subjectSwitch.addEventListener("change", () => window.location.assign(subjectSwitch.value));

if (!config.canEdit) grid.classList.add("is-readonly");
updateStatus();
