// Draws the report's charts with Chart.js from the JSON embedded in the page (#report-data).
(function () {
  'use strict';
  if (typeof Chart === 'undefined') {
    return; // the tables carry every number; charts are a bonus
  }
  const report = JSON.parse(document.getElementById('report-data').textContent);
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.size = 11;
  const BLUE = '#2563eb', BLUE_FILL = 'rgba(37, 99, 235, 0.35)', ORANGE = '#f97316', RED = '#dc2626', GREY = '#94a3b8';

  function canvas(id) {
    return document.getElementById(id);
  }

  function short(v) {
    if (v === null || !isFinite(v)) return '';
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(1);
    return Number(v.toPrecision(3)).toString();
  }

  function count(v) {
    const l = Math.log10(v);
    if (Math.abs(l - Math.round(l)) > 1e-9) return '';
    if (v >= 1e6) return (v / 1e6) + 'M';
    if (v >= 1e3) return (v / 1e3) + 'k';
    return v >= 1 ? String(v) : '';
  }

  // Vertical bars for a few layers; beyond MANY, horizontal bars in a chart that grows so every name stays readable.
  const MANY = 30;
  function bars(id, labels, datasets, yTitle, horizontal) {
    const el = canvas(id);
    if (!el) return;
    if (labels.length > MANY) horizontal = true;
    if (horizontal) el.parentNode.style.height = Math.max(160, 16 * labels.length * Math.max(1, datasets.length * 0.75) + 70) + 'px';
    const valueAxis = { title: { display: true, text: yTitle }, beginAtZero: true };
    const labelAxis = { ticks: { autoSkip: false, maxRotation: 60, minRotation: 0 } };
    new Chart(el, {
      type: 'bar',
      data: { labels: labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? 'y' : 'x',
        scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
        plugins: { legend: { display: datasets.length > 1 } }
      }
    });
  }

  // Per-layer SQNR: activations (as the next layer reads them) and nodes (output and weight).
  const acts = report.activations;
  bars('chart-activation-sqnr', acts.map(a => a.tensor),
    [{ label: 'activation SQNR (dB)', data: acts.map(a => a.sqnrDb), backgroundColor: BLUE }], 'SQNR (dB)');
  const nodes = report.nodes;
  bars('chart-node-sqnr', nodes.map(n => n.node), [
    { label: 'output SQNR (dB)', data: nodes.map(n => n.outputSqnrDb), backgroundColor: BLUE },
    { label: 'weight SQNR (dB)', data: nodes.map(n => n.weight ? n.weight.sqnrDb : null), backgroundColor: ORANGE }
  ], 'SQNR (dB)');

  // Calibration candidates (--method best): the chosen one stands out.
  const scores = report.summary.candidateScores || {};
  const methods = Object.keys(scores);
  if (methods.length) {
    bars('chart-methods', methods, [{
      label: 'held-out output SQNR (dB)', data: methods.map(m => scores[m]),
      backgroundColor: methods.map(m => m === report.summary.method ? ORANGE : GREY)
    }], 'SQNR (dB)');
  }

  // One histogram per calibrated activation, log counts, with the clipping range as red lines.
  acts.forEach((a, i) => {
    const h = a.histogram, el = canvas('hist-' + i);
    if (!h || !el) return;
    const floor = 0.5;
    const points = h.counts.map((c, k) => ({ x: h.start + (k + 0.5) * h.binWidth, y: c > 0 ? c : floor }));
    const top = Math.max(1, ...h.counts) * 3;
    const datasets = [{
      label: 'count', data: points, stepped: 'middle', fill: 'start', borderColor: BLUE, backgroundColor: BLUE_FILL,
      borderWidth: 1, pointRadius: 0
    }];
    const line = (x, label) => ({
      label: label, data: [{ x: x, y: floor }, { x: x, y: top }], borderColor: RED, borderWidth: 1.5,
      borderDash: [4, 3], pointRadius: 0, fill: false
    });
    if (!h.absolute) datasets.push(line(h.clipLo, 'clip min'));
    datasets.push(line(h.clipHi, h.absolute ? 'clip |x|' : 'clip max'));
    new Chart(el, {
      type: 'line',
      data: { datasets: datasets },
      options: {
        parsing: false,
        scales: {
          x: { type: 'linear', grace: 0,
               title: { display: true, text: h.absolute ? '|x|' : 'x', padding: 0 },
               ticks: { maxTicksLimit: 7, callback: v => short(v) } },
          y: { type: 'logarithmic', min: floor, max: top, ticks: { callback: v => count(v) } }
        },
        plugins: { legend: { display: false }, tooltip: { enabled: false } }
      }
    });
  });

  // Sensitivity (when supplied): the metric drop per layer, largest first.
  const sens = (report.sensitivity || []).slice().sort((p, q) => q.metric - p.metric);
  if (sens.length) {
    bars('chart-sensitivity', sens.map(s => s.layer),
      [{ label: report.sensitivityMetric || 'metric drop', data: sens.map(s => s.metric), backgroundColor: RED }],
      report.sensitivityMetric || 'metric drop', true);
  }
})();
