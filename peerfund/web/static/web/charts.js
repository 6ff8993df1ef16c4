// Draws each [data-chart] element from the JSON the page embeds (json_script), with
// ECharts: "curve" (daily bars and a cumulative line), "lines" ({labels, series:
// [{name, values}]}), "pie" ([{name, value}]) and "bar" ({labels, values}).
(function () {
  function data(id) { return JSON.parse(document.getElementById(id).textContent); }
  function draw() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var d = data(el.dataset.source), chart = echarts.init(el), option;
      if (el.dataset.chart === "curve") {
        option = {
          tooltip: { trigger: "axis" }, legend: {}, xAxis: { type: "category", data: d.days },
          yAxis: { type: "value", name: "¥" },
          series: [{ name: el.dataset.daily, type: "bar", data: d.daily }, { name: el.dataset.total, type: "line", data: d.total, smooth: true }]
        };
      } else if (el.dataset.chart === "lines") {
        option = {
          tooltip: { trigger: "axis" }, legend: {}, xAxis: { type: "category", data: d.labels }, yAxis: { type: "value" },
          series: d.series.map(function (s) { return { name: s.name, type: "line", smooth: true, showSymbol: false, data: s.values }; })
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
