// Spendgate console: draws the spend chart from the JSON the page carries (no network calls, no inline script).
(function () {
  'use strict';
  function draw() {
    var data = document.getElementById('spend-chart-data');
    var canvas = document.getElementById('spend-chart');
    if (!data || !canvas || typeof Chart === 'undefined') {
      return;
    }
    var spec = JSON.parse(data.textContent);
    // Okabe-Ito palette: distinguishable with colour-vision deficiencies.
    var colours = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000', '#999999'];
    spec.datasets.forEach(function (set, i) {
      set.backgroundColor = colours[i % colours.length];
    });
    new Chart(canvas, {
      type: 'bar',
      data: { labels: spec.labels, datasets: spec.datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { title: { display: true, text: spec.title } },
        scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: 'USD' } } }
      }
    });
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', draw);
  } else {
    draw();
  }
})();
