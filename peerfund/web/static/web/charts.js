// Draws each [data-chart] element from the JSON the page embeds (json_script), with
// ECharts: "curve" (daily bars and a cumulative line), "lines" ({labels, series:
// [{name, unit, values}]}), "pie" ([{name, value}]) and "bar" ({labels, values}).
// The server sends money as integer fen (unit "fen") and ratios as decimal strings;
// numbers for drawing are made only here.
(function () {
  function data(id) { return JSON.parse(document.getElementById(id).textContent); }
  function shown(values, unit) { return values.map(function (v) { return unit === "fen" ? Number(v) / 100 : Number(v); }); }
  function draw() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var d = data(el.dataset.source), chart = echarts.init(el), option;
      if (el.dataset.chart === "curve") {
        option = {
          tooltip: { trigger: "axis" }, legend: {}, xAxis: { type: "category", data: d.days },
          yAxis: { type: "value", name: "¥" },
          series: [{ name: el.dataset.daily, type: "bar", data: shown(d.daily, d.unit) }, { name: el.dataset.total, type: "line", data: shown(d.total, d.unit), smooth: true }]
        };
      } else if (el.dataset.chart === "lines") {
        option = {
          tooltip: { trigger: "axis" }, legend: {}, xAxis: { type: "category", data: d.labels }, yAxis: { type: "value" },
          series: d.series.map(function (s) { return { name: s.name, type: "line", smooth: true, showSymbol: false, data: shown(s.values, s.unit) }; })
        };
      } else if (el.dataset.chart === "pie") {
        option = { tooltip: { trigger: "item" }, series: [{ type: "pie", radius: ["35%", "70%"], data: d }] };
      } else {
        option = { tooltip: { trigger: "axis" }, xAxis: { type: "category", data: d.labels }, yAxis: { type: "value" },
                   series: [{ type: "bar", data: d.values }] };
      }
      chart.setOption(option);
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
