// The training figures' charts (Apache ECharts, static/vendor/echarts-6.1.0), drawn from the
// JSON data block `#figures-data` (not executed: the CSP allows no inline script). Each chart
// sits beside the table holding the same numbers; the chart's element carries role="img" and
// a one-sentence summary. Tooltips use rich text (no inline style attributes, for the CSP).
// Also wires the printable summary's Print button.
(() => {
  const COLOURS = ["#2f6fb0", "#9cc3e6", "#c0504d", "#f2a7a5", "#4f9a5b", "#e0a526",
                   "#7a5195", "#58508d", "#bc5090", "#ff6361", "#003f5c", "#ffa600"];

  function bars(chart) {
    const horizontal = !!chart.horizontal;
    const axes = chart.axes || [""];
    const valueAxes = axes.map((name, i) => ({
      type: "value", name: horizontal ? "" : name, position: i ? "right" : "left",
      max: chart.percent ? 100 : null, axisLabel: { formatter: chart.percent ? "{value}%" : "{value}" },
      splitLine: { show: i === 0 },
    }));
    const category = {
      type: "category", data: chart.labels,
      axisLabel: horizontal ? { width: 110, overflow: "truncate" }
        : { interval: 0, rotate: chart.labels.length > 4 ? 30 : 0, width: 90, overflow: "truncate" },
    };
    const kind = chart.type === "line" ? "line" : "bar";
    const series = chart.series.map((s) => ({
      name: s.name, type: kind, data: s.values,
      yAxisIndex: horizontal ? undefined : (s.axis || 0),
      xAxisIndex: horizontal ? (s.axis || 0) : undefined,
      label: { show: horizontal, position: "right", formatter: chart.percent ? "{c}%" : "{c}" },
    }));
    if (chart.target !== undefined && series.length) {
      series[0].markLine = { symbol: "none", data: [{ name: chart.target_name, xAxis: chart.target }],
                             label: { formatter: chart.target_name + " {c}%" } };
    }
    return {
      color: COLOURS,
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: horizontal ? valueAxes : category,
      yAxis: horizontal ? Object.assign(category, { inverse: true }) : valueAxes,
      series,
    };
  }

  function pie(chart) {
    const s = chart.series[0];
    return {
      color: COLOURS,
      tooltip: { trigger: "item", renderMode: "richText" },
      legend: { bottom: 0, type: "scroll" },
      series: [{
        name: s.name, type: "pie", radius: ["35%", "65%"], top: 0, bottom: 28,
        data: chart.labels.map((label, i) => ({ name: label, value: s.values[i] })),
        label: { formatter: "{b}: {c}" },
      }],
    };
  }

  function draw() {
    const block = document.getElementById("figures-data");
    if (!block || !window.echarts) return;
    const data = JSON.parse(block.textContent);
    const charts = [];
    document.querySelectorAll("[data-chart]").forEach((el) => {
      const chart = data[el.dataset.chart];
      if (!chart || !chart.labels.length) {
        el.hidden = true;
        return;
      }
      if (chart.horizontal) el.style.height = Math.max(220, 40 + chart.labels.length * 28) + "px";
      const instance = window.echarts.init(el, null, { renderer: "canvas" });
      instance.setOption(chart.type === "pie" ? pie(chart) : bars(chart));
      charts.push(instance);
    });
    let pending = null;
    window.addEventListener("resize", () => {
      clearTimeout(pending);
      pending = setTimeout(() => charts.forEach((c) => c.resize()), 150);
    });
  }

  function printButton() {
    document.querySelectorAll("[data-print]").forEach((button) => {
      button.hidden = false;
      button.addEventListener("click", () => window.print());
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    draw();
    printButton();
  });
})();
