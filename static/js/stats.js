// Statistics charts: drawn from the same numbers as the tables under them (json_script).
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("stats-charts");
    if (!source || !window.Chart) return;
    var data = JSON.parse(source.textContent);
    var common = { responsive: true, maintainAspectRatio: false, animation: false };
    var series = document.getElementById("chart-series");
    if (series) {
      new Chart(series, {
        type: "bar",
        data: {
          labels: data.series.labels,
          datasets: [
            { label: data.series.answeredLabel, data: data.series.answered, backgroundColor: "#12b76a" },
            { label: data.series.unansweredLabel, data: data.series.unanswered, backgroundColor: "#f04438" }
          ]
        },
        options: Object.assign({}, common, {
          scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } }
        })
      });
    }
    var agents = document.getElementById("chart-agents");
    if (agents) {
      new Chart(agents, {
        type: "bar",
        data: {
          labels: data.agents.labels,
          datasets: [{ label: data.agents.rateLabel, data: data.agents.rates, backgroundColor: "#2e90fa" }]
        },
        options: Object.assign({}, common, { scales: { y: { beginAtZero: true, max: 100 } } })
      });
    }
  }

  // The custom dates only matter for the custom period: choosing them switches to it.
  function customDates() {
    var period = document.getElementById("stats-period");
    if (!period) return;
    document.querySelectorAll(".stats-filter input[type=date]").forEach(function (input) {
      input.addEventListener("change", function () { period.value = "custom"; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    draw();
    customDates();
  });
})();
