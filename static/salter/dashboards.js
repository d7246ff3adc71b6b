// Draws the dashboard charts from the JSON the page carries (no inline script: the CSP
// allows scripts from Šalter's own files only). The tables under the charts hold the
// same figures for readers who cannot see them.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var weeks = document.getElementById("chart-weeks");
  if (weeks) {
    new Chart(weeks, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          {label: data.received_label, data: data.received, backgroundColor: "#0d6efd"},
          {label: data.resolved_label, data: data.resolved, backgroundColor: "#198754"}
        ]
      },
      options: {animation: false, scales: {y: {beginAtZero: true, ticks: {precision: 0}}}}
    });
  }
  var channels = document.getElementById("chart-channels");
  if (channels && data.channels.length) {
    new Chart(channels, {
      type: "doughnut",
      data: {labels: data.channels, datasets: [{data: data.channel_counts}]},
      options: {animation: false}
    });
  }
}());
