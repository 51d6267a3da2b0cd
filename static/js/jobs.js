// A job's page: asks the server for the job's state every second (the JSON at
// data-status-url) and updates the progress bar, the message, and the download link or the
// failure sentence, until the job is done or has failed. Every text comes from the server,
// in the page's language.
(() => {
  const box = document.getElementById("job");
  if (!box) return;
  const url = box.dataset.statusUrl;
  const bar = box.querySelector("progress");
  const part = (name) => box.querySelector(`.job-${name}`);
  let delay = 1000;

  function show(s) {
    box.dataset.state = s.state;
    part("state").textContent = s.state_text;
    part("message").textContent = s.message;
    if (s.total) {
      bar.max = s.total;
      bar.value = s.done;
      bar.textContent = part("count").textContent = `${s.done} / ${s.total}`;
    } else if (s.state === "done") {
      bar.max = 1;
      bar.value = 1;
    }
    if (s.state === "failed") {
      part("failed").textContent = s.error;
      part("failed").hidden = false;
    }
    if (s.download) {
      part("download").href = s.download;
      part("filename").textContent = s.filename;
      part("summary").textContent = s.summary;
      part("result").hidden = false;
    }
    if (s.state === "done" || s.state === "failed") part("wait").hidden = true;
  }

  async function poll() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const s = await response.json();
        show(s);
        if (s.state === "done" || s.state === "failed") {
          // What the job did in words (an import's problems) is drawn by the server.
          if (!s.download) window.location.reload();
          return;
        }
        delay = 1000;
      } else {
        delay = Math.min(delay * 2, 15000);
      }
    } catch (_error) {
      delay = Math.min(delay * 2, 15000); // offline for a moment: ask again later
    }
    setTimeout(poll, delay);
  }

  if (box.dataset.state !== "done" && box.dataset.state !== "failed") setTimeout(poll, 500);
})();
