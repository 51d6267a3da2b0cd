// Study heartbeats. While an activity page is open, report every interval whether the page
// stayed visible since the previous beat and where the learner is (playback time for media,
// scroll offset for text). The server decides what counts; this page only reports.
//
// Beats are queued in localStorage with the moment they were taken, so beats taken while the
// network is down (or the page is reloaded before they are sent) are sent later, in order,
// with their `age`. Presence checks from the server are answered through a dialog.
(() => {
  const box = document.getElementById("study");
  if (!box) return;
  const data = box.dataset;
  const interval = Number(data.interval) * 1000;
  const replayWindow = Number(data.replayWindow || 900) * 1000;
  const key = `lms.study.${data.user}.${data.activity}`;
  const media = document.querySelector("main video, main audio");
  const credited = box.querySelector("[data-credited]");
  const meter = box.querySelector("[data-meter]");
  const why = box.querySelector("[data-why]");
  const net = document.getElementById("study-net");
  const dialog = document.getElementById("presence-check");

  // ---- the queue of beats the server has not accepted yet, oldest first ----------------
  let memory = []; // used when localStorage is unavailable
  const fresh = (beats) => beats.filter((b) => Date.now() - b.at < replayWindow);
  function load() {
    try {
      memory = JSON.parse(localStorage.getItem(key) || "[]");
    } catch (_error) { /* no storage: the queue lives in memory */ }
    return fresh(memory);
  }
  function save(beats) {
    memory = beats;
    try {
      if (beats.length) localStorage.setItem(key, JSON.stringify(beats));
      else localStorage.removeItem(key);
    } catch (_error) { /* no storage: the queue lives in memory */ }
  }

  // Beats the server already has (data-seq is its last one) are gone; the rest are resent.
  save(load().filter((b) => b.seq > Number(data.seq)));
  let seq = Math.max(Number(data.seq), ...memory.map((b) => b.seq));

  // ---- where the learner is, and resuming there ----------------------------------------
  const start = Number(data.position) || 0;
  let resumed = start <= 0; // until then, report the saved position rather than the top
  const position = () => {
    if (!resumed) return start;
    return media ? media.currentTime : Math.round(window.scrollY);
  };
  function resume(then) {
    if (resumed) return then();
    if (media) {
      const seek = () => {
        if (!(start >= media.duration - 1)) media.currentTime = start; // not at the very end
        resumed = true;
      };
      if (media.readyState >= 1) seek();
      else media.addEventListener("loadedmetadata", seek, { once: true });
      return then();
    }
    const scroll = () => {
      window.scrollTo(0, start);
      resumed = true;
      then();
    };
    if (document.readyState === "complete") scroll();
    else window.addEventListener("load", scroll, { once: true });
  }

  // `visible` means visible for the whole interval since the previous beat.
  let visibleThroughout = document.visibilityState === "visible";
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible") visibleThroughout = false;
  });

  // ---- talking to the server -----------------------------------------------------------
  const post = (url, body) => fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": data.csrf },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  let offline = false;
  function showNetwork(down) {
    if (down && !offline) net.textContent = net.dataset.offline;
    else if (!down && offline) net.textContent = net.dataset.restored;
    else if (!down && net.textContent) net.textContent = ""; // clear the notice a beat later
    offline = down;
  }

  let answeredAt = 0;
  let sending = false;
  async function flush() {
    if (sending) return;
    sending = true;
    try {
      for (let beats = load(); beats.length; beats = load()) {
        const beat = beats[0];
        const sentAt = Date.now();
        const body = { seq: beat.seq, visible: beat.visible, position: beat.position,
                       age: Math.max(0, (sentAt - beat.at) / 1000) };
        let response = null;
        try {
          response = await post(data.beatUrl, body);
        } catch (_error) { /* offline: keep the beat */ }
        if (!response || response.status >= 500 || response.redirected) {
          showNetwork(true);
          return;
        }
        // Accepted, or refused for good (a 4xx would be refused again): either way it is done.
        save(load().filter((b) => b.seq !== beat.seq));
        if (response.ok) {
          const result = await response.json();
          show(result);
          if (result.presence_check && sentAt > answeredAt) askPresence();
        }
      }
      showNetwork(false);
    } finally {
      sending = false;
    }
  }

  // ---- what the server answered: the time counted, why not, completion -----------------
  let completed = data.completed === "1";
  function show(result) {
    credited.textContent = (result.credited_seconds / 60).toFixed(1);
    if (meter) meter.value = Math.min(result.credited_seconds, Number(meter.max));
    // Say why time is not counted (the server's sentence); clear it once it counts again.
    // A replayed beat says nothing new.
    if (result.reason !== "replayed" && why.textContent !== (result.message || "")) {
      why.textContent = result.message || "";
    }
    if (result.completed && !completed) {
      completed = true;
      markCompleted();
    }
  }
  function markCompleted() {
    const done = box.querySelector("[data-done]");
    done.replaceChildren(box.querySelector("template[data-done-text]").content.cloneNode(true));
    const here = document.querySelector(".activity-outline [data-current]");
    const tickMark = document.querySelector(".activity-outline template[data-tick]");
    if (here && tickMark && !here.querySelector(".tick")) {
      here.append(" ", tickMark.content.cloneNode(true));
    }
    const next = document.querySelector("[data-next]");
    if (next) next.hidden = false;
  }

  function tick() {
    const visible = visibleThroughout && document.visibilityState === "visible";
    visibleThroughout = document.visibilityState === "visible";
    seq += 1;
    save([...load(), { seq, visible, position: position(), at: Date.now() }]);
    flush();
  }

  // ---- presence checks -----------------------------------------------------------------
  function askPresence() {
    if (dialog && !dialog.open) dialog.showModal();
  }
  dialog?.querySelector("[data-presence-answer]").addEventListener("click", async () => {
    try {
      const response = await post(data.presenceUrl, {});
      if (!response.ok) throw new Error(String(response.status));
      answeredAt = Date.now();
      dialog.close();
    } catch (_error) {
      showNetwork(true); // the dialog stays until the answer reaches the server
    }
  });

  window.addEventListener("online", flush);
  window.addEventListener("offline", () => showNetwork(true));
  resume(() => {
    tick(); // sends any queued beats first, then this one
    setInterval(tick, interval);
  });
})();
