// Study heartbeats: while an activity page is open, report every interval whether the page is
// visible and, for media, where playback is. The server decides what counts; this only reports.
(() => {
  const box = document.getElementById("study");
  if (!box) return;
  const url = box.dataset.beatUrl;
  const interval = Number(box.dataset.interval) * 1000;
  let seq = Number(box.dataset.seq);
  const media = document.querySelector("main video, main audio");
  const credited = box.querySelector("[data-credited]");

  if (media && Number(box.dataset.position) > 0) {
    // Resume where the learner left off.
    media.addEventListener("loadedmetadata", () => {
      media.currentTime = Math.min(Number(box.dataset.position), media.duration || 0);
    }, { once: true });
  }

  async function beat() {
    seq += 1;
    const body = { seq, visible: document.visibilityState === "visible" };
    if (media) body.position = media.currentTime;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": box.dataset.csrf },
        body: JSON.stringify(body),
        credentials: "same-origin",
      });
      if (response.ok) {
        const result = await response.json();
        credited.textContent = (result.credited_seconds / 60).toFixed(1);
      }
    } catch (_error) {
      // Offline: this beat is lost; the next one starts a new contiguous run.
    }
  }

  beat();
  setInterval(beat, interval);
})();
