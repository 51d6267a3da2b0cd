// The attempt page: save each answer (and its "mark for review" flag) as it changes, keep the
// answer sheet's answered and marked states in step, count down the time the server gave, and
// submit when it runs out. The server keeps the time and refuses late answers; this page only
// helps. Without JavaScript the page's own Save and Submit buttons do the same work.
(() => {
  const bar = document.getElementById("attempt-bar");
  const form = document.getElementById("attempt-form");
  if (!bar || !form) return;
  const data = bar.dataset;
  const status = bar.querySelector("[data-status]");
  const say = (text) => { if (status) status.textContent = text; };

  // ---- the response a question's inputs hold, in the API's shape ------------------------
  function response(box) {
    const type = box.dataset.type;
    const name = `q${box.dataset.slot}`;
    const checked = [...box.querySelectorAll(`input[name="${name}"]:checked`)];
    if (type === "multichoice") return checked.length ? Number(checked[0].value) : null;
    if (type === "multiresponse") return checked.map((i) => Number(i.value));
    if (type === "truefalse") return checked.length ? checked[0].value === "true" : null;
    if (type === "matching") {
      const picked = {};
      box.querySelectorAll("select").forEach((s) => {
        if (s.value) picked[s.name.slice(name.length + 1)] = s.value;
      });
      return picked;
    }
    const field = box.querySelector(`[name="${name}"]`);
    return field ? field.value : null;
  }

  // ---- the answer sheet ------------------------------------------------------------------
  const sheet = document.querySelector("[data-answer-sheet]");
  const flagged = (box) => Boolean(box.querySelector("[data-flag]:checked"));
  function answered(value) {
    if (value === null || value === undefined) return false;
    if (typeof value === "string") return value.trim() !== "";
    if (Array.isArray(value)) return value.length > 0;
    if (typeof value === "object") return Object.keys(value).length > 0;
    return true;
  }
  function mark(box) {
    if (!sheet) return;
    const item = sheet.querySelector(`[data-sheet-slot="${box.dataset.slot}"]`);
    if (!item) return;
    const done = answered(response(box));
    const flag = flagged(box);
    item.classList.toggle("is-answered", done);
    item.classList.toggle("is-flagged", flag);
    item.querySelector(".sheet-mark").textContent = flag ? "⚑" : (done ? "✓" : "");
    item.querySelector("[data-sheet-state]").textContent =
      done ? sheet.dataset.answered : sheet.dataset.unanswered;
    item.querySelector("[data-sheet-flag]").textContent = flag ? sheet.dataset.flagged : "";
    sheet.querySelector("[data-sheet-answered]").textContent =
      sheet.querySelectorAll(".sheet-item.is-answered").length;
    sheet.querySelector("[data-sheet-flagged]").textContent =
      sheet.querySelectorAll(".sheet-item.is-flagged").length;
  }
  if (sheet) {
    const panel = sheet.querySelector("[data-sheet-panel]");
    const narrow = window.matchMedia("(max-width: 720px)");
    if (panel && narrow.matches) panel.open = false; // a bar on a phone, opened on demand
    sheet.addEventListener("click", (event) => {
      if (panel && narrow.matches && event.target.closest("[data-sheet-slot]")) panel.open = false;
    });
  }

  // ---- saving: one request at a time per question, the latest value wins -----------------
  const dirty = new Set();
  let busy = false;
  let closed = false;
  async function flush() {
    if (busy || closed || !dirty.size) return;
    busy = true;
    say(data.saving);
    try {
      while (dirty.size) {
        const slot = dirty.values().next().value;
        dirty.delete(slot);
        const box = form.querySelector(`[data-slot="${slot}"]`);
        let reply;
        try {
          reply = await fetch(data.saveUrl + slot, {
            method: "PUT",
            headers: { "Content-Type": "application/json", "X-CSRFToken": data.csrf },
            body: JSON.stringify({ response: response(box), flagged: flagged(box) }),
            credentials: "same-origin",
          });
        } catch (_error) {
          dirty.add(slot); // offline: keep it for later
          say(data.offline);
          return;
        }
        if (reply.status === 409) { // time is up or submitted elsewhere: the server decides
          closed = true;
          say(data.closed);
          window.location.reload();
          return;
        }
        if (!reply.ok) { dirty.add(slot); say(data.offline); return; }
      }
      say(data.saved);
    } finally {
      busy = false;
    }
  }
  let timer = null;
  form.addEventListener("change", (event) => {
    const box = event.target.closest("[data-slot]");
    if (!box) return;
    mark(box);
    dirty.add(box.dataset.slot);
    flush();
  });
  form.addEventListener("input", (event) => {
    const box = event.target.closest("[data-slot]");
    if (!box || event.target.tagName === "SELECT" || event.target.type === "radio"
        || event.target.type === "checkbox") return;
    mark(box);
    dirty.add(box.dataset.slot);
    say(data.saving);
    clearTimeout(timer);
    timer = setTimeout(flush, 800);
  });
  window.addEventListener("online", flush);
  // Leaving the page (a reload, another link): send what is still unsaved on the way out.
  window.addEventListener("pagehide", () => {
    if (closed) return;
    for (const slot of dirty) {
      const box = form.querySelector(`[data-slot="${slot}"]`);
      fetch(data.saveUrl + slot, {
        method: "PUT",
        headers: { "Content-Type": "application/json", "X-CSRFToken": data.csrf },
        body: JSON.stringify({ response: response(box), flagged: flagged(box) }),
        credentials: "same-origin",
        keepalive: true,
      });
    }
  });
  setInterval(flush, 5000);

  // ---- submitting ------------------------------------------------------------------------
  const submit = form.querySelector('button[name="submit"]');
  form.addEventListener("submit", (event) => {
    if (closed) return;
    if (event.submitter === submit && !window.confirm(submit.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // ---- the countdown ---------------------------------------------------------------------
  const shown = bar.querySelector("[data-timer]");
  const announce = bar.querySelector("[data-announce]");
  if (!shown || data.secondsLeft === "") return;
  const ends = Date.now() + Number(data.secondsLeft) * 1000;
  const warned = new Set();
  const tick = () => {
    const left = Math.max(0, Math.round((ends - Date.now()) / 1000));
    shown.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    for (const mark of [300, 60]) {
      if (left <= mark && !warned.has(mark) && announce) {
        warned.add(mark);
        announce.textContent = shown.textContent;
      }
    }
    if (left === 0 && !closed) {
      closed = true;
      say(data.closed);
      const field = document.createElement("input");
      field.type = "hidden";
      field.name = "submit";
      field.value = "1";
      form.appendChild(field);
      form.submit(); // the server scores what was saved before the deadline
      return;
    }
    setTimeout(tick, 1000);
  };
  tick();
})();
