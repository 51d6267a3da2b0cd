// The learning record's chart: study hours by month and by form of learning, drawn as SVG
// from the JSON data block beside it. Progressive enhancement: the page's tables hold the same
// figures, so the chart is hidden from screen readers. Also wires the print view's button.
(() => {
  const NS = "http://www.w3.org/2000/svg";

  function el(name, attrs, text) {
    const node = document.createElementNS(NS, name);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, String(v)));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function fmt(n) {
    return String(Math.round(n * 100) / 100);
  }

  // Vertical bars, one per item, with the value above each bar and the label below.
  function columns(svg, items, box, cls) {
    const max = Math.max(1, ...items.map((i) => i.hours));
    const step = box.width / items.length;
    const bar = Math.min(step * 0.6, 40);
    svg.appendChild(el("line", { class: "axis", x1: box.x, x2: box.x + box.width,
                                 y1: box.y + box.height, y2: box.y + box.height }));
    items.forEach((item, n) => {
      const h = Math.max(0, (item.hours / max) * (box.height - 16));
      const x = box.x + n * step + (step - bar) / 2;
      const y = box.y + box.height - h;
      const rect = el("rect", { class: "bar " + cls, x, y, width: bar, height: h, rx: 2 });
      rect.appendChild(el("title", {}, `${item.label}: ${fmt(item.hours)}`));
      svg.appendChild(rect);
      if (item.hours) {
        svg.appendChild(el("text", { class: "value", x: x + bar / 2, y: y - 4,
                                     "text-anchor": "middle" }, fmt(item.hours)));
      }
      if (step >= 34 || n % 2 === 0) {  // every other label when they would touch
        svg.appendChild(el("text", { x: box.x + n * step + step / 2, y: box.y + box.height + 16,
                                     "text-anchor": "middle" }, item.label));
      }
    });
  }

  // Horizontal bars, one per form of learning.
  function rows(svg, items, box) {
    const max = Math.max(1, ...items.map((i) => Math.abs(i.hours)));
    const labelWidth = Math.min(120, box.width / 3);
    const row = 24;
    items.forEach((item, n) => {
      const y = box.y + n * row;
      const w = Math.max(0, (item.hours / max) * (box.width - labelWidth - 60));
      svg.appendChild(el("text", { x: box.x + labelWidth - 8, y: y + 15, "text-anchor": "end" },
                         item.label));
      const rect = el("rect", { class: "bar bar-kind", x: box.x + labelWidth, y: y + 3,
                                width: w, height: row - 8, rx: 2 });
      rect.appendChild(el("title", {}, `${item.label}: ${fmt(item.hours)}`));
      svg.appendChild(rect);
      svg.appendChild(el("text", { class: "value", x: box.x + labelWidth + w + 6, y: y + 15 },
                         fmt(item.hours)));
    });
  }

  function draw(holder) {
    const source = document.getElementById(holder.dataset.chartSource);
    if (!source) return;
    let data;
    try {
      data = JSON.parse(source.textContent);
    } catch (error) {
      return;
    }
    // Drawn at the holder's own width, so the labels keep their size on a phone.
    const width = Math.max(300, Math.min(holder.clientWidth || 720, 960));
    const monthsHeight = 200;
    const kinds = data.kinds.filter((k) => k.hours);
    const height = monthsHeight + 50 + Math.max(1, kinds.length) * 24 + 10;
    const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, "aria-hidden": "true",
                            focusable: "false", class: "record-chart-svg" });
    columns(svg, data.months, { x: 10, y: 10, width: width - 20, height: monthsHeight }, "bar-month");
    rows(svg, kinds, { x: 10, y: monthsHeight + 44, width: width - 20 });
    holder.replaceChildren(svg);
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".record-chart[data-chart-source]").forEach(draw);
    document.querySelectorAll("button[data-print]").forEach((button) => {
      button.hidden = false;
      button.addEventListener("click", () => window.print());
    });
  });
})();
