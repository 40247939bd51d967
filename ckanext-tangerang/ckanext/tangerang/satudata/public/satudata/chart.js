// Draws each chart view's SVG with Observable Plot from the points the server prepared
// (tables/chart.py), then makes its points reachable by keyboard: one Tab stop per chart, arrow
// keys move between points, each point is read out by its label and shown below the chart.
(function () {
  'use strict';

  function draw(figure) {
    const data = JSON.parse(document.getElementById(figure.dataset.tgChart).textContent);
    const box = figure.querySelector('.tg-chart-plot');
    const lang = box.dataset.lang || 'id';
    const number = (v) => (v === null ? '—' : v.toLocaleString(lang, {maximumFractionDigits: 2}));
    const points = data.points.map((p, i) => ({...p, i}));
    const series = data.series;
    const colour = (s) => data.palette[Math.max(series.indexOf(s), 0) % data.palette.length];
    const symbol = (s) => data.symbols[Math.max(series.indexOf(s), 0) % data.symbols.length];
    const grouped = series.length > 1 || (series.length === 1 && series[0] !== '');
    const width = Math.max(box.clientWidth || 640, 320);
    const common = {
      width, height: Math.round(Math.min(480, Math.max(260, width * 0.55))),
      marginLeft: 64, marginRight: grouped && data.chart_type === 'line' ? 120 : 24, marginBottom: 48,
      style: {fontSize: '14px', color: '#1a1a1a', background: 'transparent'},
      y: {grid: true, label: data.y, tickFormat: number},
      ariaLabel: box.dataset.label,
    };
    let svg;
    if (data.chart_type === 'line') {
      const last = series.map((s) => points.filter((p) => p.series === s).at(-1)).filter(Boolean);
      svg = Plot.plot({
        ...common,
        x: {label: data.x, tickFormat: (v) => String(v), type: 'point'},
        marks: [
          Plot.line(points, {x: 'x_label', y: 'y', z: 'series', stroke: (p) => colour(p.series), strokeWidth: 2.5}),
          Plot.dot(points, {x: 'x_label', y: 'y', r: 11, symbol: (p) => symbol(p.series), title: 'label',
                            stroke: (p) => colour(p.series), fill: '#ffffff', strokeWidth: 2.5}),
          // the series' name at the end of its line: the colour is never the only clue
          grouped ? Plot.text(last, {x: 'x_label', y: 'y', text: 'series', dx: 10, textAnchor: 'start',
                                     fill: (p) => colour(p.series), fontWeight: 'bold'}) : null,
        ].filter(Boolean),
      });
    } else {
      svg = Plot.plot({
        ...common,
        x: {label: data.x, tickRotate: points.length > 8 ? -35 : 0, type: 'band'},
        ...(grouped ? {fx: {label: data.group}} : {}),
        marks: [
          Plot.barY(points, {x: grouped ? 'series' : 'x_label', fx: grouped ? 'x_label' : undefined,
                             y: 'y', fill: (p) => colour(p.series), title: 'label'}),
          Plot.text(points, {x: grouped ? 'series' : 'x_label', fx: grouped ? 'x_label' : undefined,
                             y: 'y', text: (p) => number(p.y), dy: -8, fill: '#1a1a1a'}),
          Plot.ruleY([0]),
        ],
      });
    }
    box.replaceChildren(svg);
    keyboard(figure, svg, points, data.chart_type === 'line' ? 'dot' : 'bar');
    // Plot names its mark groups ("line", "x-axis tick"); ARIA allows no name on a <g> without
    // a role, and the points carry the names a reader needs
    svg.querySelectorAll('g[aria-label]').forEach((g) => g.removeAttribute('aria-label'));
  }

  function keyboard(figure, svg, points, markName) {
    // each shape carries its point's label as <title> (Plot's title channel): that ties shapes to
    // points whatever order or facets Plot drew them in
    const byLabel = new Map(points.map((p) => [p.label, p]));
    const found = Array.from(svg.querySelectorAll(`[aria-label="${markName}"] > *`))
      .map((shape) => [shape, byLabel.get(shape.querySelector('title')?.textContent)])
      .filter(([, point]) => point)
      .sort((a, b) => a[1].i - b[1].i);
    if (!found.length) return;
    const shapes = [];
    found.forEach(([shape, point]) => { shapes[point.i] = shape; });
    const shown = figure.querySelector('.tg-chart-focused');
    svg.setAttribute('role', 'group');
    svg.setAttribute('aria-roledescription', figure.querySelector('.tg-chart-plot').dataset.roledescription);
    found.forEach(([shape, point], n) => {
      shape.querySelector('title').remove();  // the label is its accessible name already
      shape.setAttribute('tabindex', n === 0 ? '0' : '-1');
      shape.setAttribute('role', 'img');
      shape.setAttribute('aria-label', point.label);
      shape.classList.add('tg-chart-point');
      shape.addEventListener('focus', () => {
        found.forEach(([s]) => s.setAttribute('tabindex', '-1'));
        shape.setAttribute('tabindex', '0');
        shown.textContent = point.label;
      });
    });
    const bySeries = (s) => points.filter((p) => p.series === s);
    const seriesNames = [...new Set(points.map((p) => p.series))];
    svg.addEventListener('keydown', (event) => {
      const current = shapes.indexOf(document.activeElement);
      if (current < 0 || !points[current]) return;
      const point = points[current];
      const line = bySeries(point.series);
      const at = line.indexOf(point);
      let next = null;
      if (event.key === 'ArrowRight') next = line[at + 1];
      else if (event.key === 'ArrowLeft') next = line[at - 1];
      else if (event.key === 'Home') next = line[0];
      else if (event.key === 'End') next = line.at(-1);
      else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        const step = event.key === 'ArrowDown' ? 1 : -1;
        const other = seriesNames[seriesNames.indexOf(point.series) + step];
        if (other !== undefined) {
          const candidates = bySeries(other);
          next = candidates.find((p) => p.x_label === point.x_label) || candidates[0];
        }
      } else return;
      event.preventDefault();
      if (next && shapes[next.i]) shapes[next.i].focus();
    });
  }

  document.querySelectorAll('[data-tg-chart]').forEach((figure) => {
    if (figure.dataset.drawn) return;
    figure.dataset.drawn = '1';
    try { draw(figure); } catch (error) { console.error('chart', error); }
  });
})();
