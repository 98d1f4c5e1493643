// Draws the dashboard's charts from the figures the server embedded (#day-figures), with the
// Chart.js build shipped in static/vendor/. The charts are kept in window.consoleCharts by name,
// so a test (or a curious dispatcher's devtools) can read back exactly what was drawn.
(function () {
  "use strict";
  var figures = JSON.parse(document.getElementById("day-figures").textContent);
  var labels = JSON.parse(document.getElementById("chart-labels").textContent);
  var Chart = window.Chart;
  if (!Chart) { return; }
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  var colours = ["#1f5fbf", "#d97706", "#137333", "#b42318", "#6b3fa0", "#0e7490", "#5b6576", "#a16207"];
  function name(map, key) { return Object.prototype.hasOwnProperty.call(map, key) ? map[key] : key; }
  // Categories come as [key, value] pairs, in the chart's order.
  function keys(pairs) { return pairs.map(function (p) { return p[0]; }); }
  function values(pairs) { return pairs.map(function (p) { return p[1]; }); }
  function bar(id, chartLabels, datasets, extra) {
    var options = {plugins: {legend: {display: datasets.length > 1}},
      scales: {y: {beginAtZero: true, ticks: {precision: 0}}}};
    Object.assign(options, extra || {});
    return new Chart(document.getElementById(id), {type: "bar", data: {labels: chartLabels, datasets: datasets}, options: options});
  }
  function one(label, data, colour) {
    return {label: label, data: data, backgroundColor: colour || colours[0]};
  }
  var hours = figures.per_hour.map(function (_, h) { return h + labels.hour; });
  var outcomeKeys = keys(figures.outcomes);
  var reasonKeys = keys(figures.transfers);
  var turnKeys = keys(figures.turns);
  var waitKeys = keys(figures.first_audio);
  var lookupKeys = keys(figures.lookups);
  window.consoleCharts = {
    perHour: bar("chart-per-hour", hours, [one(labels.calls, figures.per_hour)]),
    outcomes: new Chart(document.getElementById("chart-outcomes"), {
      type: "doughnut",
      data: {labels: outcomeKeys.map(function (k) { return name(labels.outcomes, k); }),
        datasets: [{data: values(figures.outcomes), backgroundColor: colours}]},
      options: {plugins: {legend: {position: "right"}}}
    }),
    transfers: bar("chart-transfers", reasonKeys.map(function (k) { return name(labels.reasons, k); }),
      [one(labels.count, values(figures.transfers), colours[1])], {indexAxis: "y",
        scales: {x: {beginAtZero: true, ticks: {precision: 0}}}}),
    turns: bar("chart-turns", turnKeys.map(function (k) { return name(labels.turns, k); }),
      [{label: labels.count, data: values(figures.turns),
        backgroundColor: [colours[6], colours[3]]}]),
    firstAudio: bar("chart-first-audio", waitKeys.map(function (k) { return name(labels.waits, k); }), [
      one("p50", values(figures.first_audio).map(function (w) { return w.p50; }), colours[0]),
      one("p95", values(figures.first_audio).map(function (w) { return w.p95; }), colours[1])
    ]),
    lookups: bar("chart-lookups", lookupKeys.map(function (k) { return name(labels.lookups, k); }),
      [{label: labels.count, data: values(figures.lookups),
        backgroundColor: [colours[2], colours[1], colours[3]]}])
  };
}());
