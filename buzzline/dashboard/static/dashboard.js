// buzzline dashboard: frames from /events (server-sent events) drawn with Chart.js.
// Each chart is made once and updated in place; a consumer's section (and its charts) is made
// when the consumer first appears and destroyed when it leaves the frame.
'use strict';

(() => {
  const $ = (sel) => document.querySelector(sel);
  const NUM = new Intl.NumberFormat('en-US', {maximumFractionDigits: 0});
  const NUM1 = new Intl.NumberFormat('en-US', {minimumFractionDigits: 1, maximumFractionDigits: 1});
  const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
  const TAB = {
    'tab:blue': '#1f77b4', 'tab:orange': '#ff7f0e', 'tab:green': '#2ca02c', 'tab:red': '#d62728',
    'tab:purple': '#9467bd', 'tab:brown': '#8c564b', 'tab:pink': '#e377c2', 'tab:gray': '#7f7f7f',
    'tab:grey': '#7f7f7f', 'tab:olive': '#bcbd22', 'tab:cyan': '#17becf',
  };
  const OTHER = '#b0b0b0';

  const charts = new Map();      // key ("<id>/panel/<i>" or "<id>/rate") -> Chart
  const cards = new Map();       // consumer id -> {section, els, panelsSig, panels: [...], rate}
  const api = {frames: 0, last: null, charts};
  window.buzzline = api;

  let source = null;
  let retryTimer = null;
  let paused = false;
  let dirty = false;             // a frame came while the tab was hidden
  let windowSeconds = $('#window').value;

  // ---- formatting and colours ----------------------------------------------------------
  const fmt = (n) => (n == null || !isFinite(n) ? '—' : NUM.format(n));
  // a file's lag in bytes: 1,234 bytes, 12.3 KB, 4.5 MB, 1.2 GB
  const fmtBytes = (n) => {
    if (n == null || !isFinite(n)) return ['—', ''];
    if (n < 10000) return [NUM.format(n), 'bytes'];
    const [value, unit] = n < 1e6 ? [n / 1e3, 'KB'] : n < 1e9 ? [n / 1e6, 'MB'] : [n / 1e9, 'GB'];
    return [NUM1.format(value), unit];
  };
  const fmtRate = (r) => (r == null || !isFinite(r) ? '—' : Math.abs(r) < 10 ? NUM1.format(r) : NUM.format(r));
  const short = (v) => (Math.abs(v) >= 1000 ? NUM.format(v) : String(Number(Number(v).toPrecision(4))));
  const ago = (s) => (s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${NUM1.format(s / 3600)} h`);
  const pad = (n) => String(n).padStart(2, '0');
  const clock = (ms) => { const d = new Date(ms); return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`; };

  const probe = document.createElement('canvas').getContext('2d');
  const normalized = new Map();
  function color(c, fallback) {
    if (!c) return fallback;
    if (TAB[c]) return TAB[c];
    if (!normalized.has(c)) { probe.fillStyle = '#000000'; probe.fillStyle = c; normalized.set(c, probe.fillStyle); }
    return normalized.get(c);
  }
  function alpha(c, a) {
    const hex = color(c, '#d62728');
    const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
    return m ? `rgba(${parseInt(m[1], 16)}, ${parseInt(m[2], 16)}, ${parseInt(m[3], 16)}, ${a})` : hex;
  }
  const colorsOf = (opts) => (Array.isArray(opts.colors) && opts.colors.length ? opts.colors : null);

  function setText(el, text) { if (el.textContent !== text) el.textContent = text; }
  function setAttr(el, name, value) { if (el.getAttribute(name) !== value) el.setAttribute(name, value); }
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  // ---- Chart.js setup -------------------------------------------------------------------
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
  Chart.defaults.color = '#444';

  // Alert spans (chart.$buzz.spans: [[x0, x1], ...]) as shaded rectangles behind the data.
  Chart.register({
    id: 'buzzSpans',
    beforeDatasetsDraw(chart) {
      const b = chart.$buzz;
      if (!b || !b.spans || !b.spans.length) return;
      const {ctx, chartArea: area, scales: {x}} = chart;
      ctx.save();
      ctx.fillStyle = b.spanColor;
      for (const [x0, x1] of b.spans) {
        const left = Math.max(area.left, x.getPixelForValue(x0));
        const right = Math.min(area.right, x.getPixelForValue(x1));
        if (right > left) ctx.fillRect(left, area.top, Math.max(1, right - left), area.bottom - area.top);
      }
      ctx.restore();
    },
  });
  // The total in the middle of a donut.
  Chart.register({
    id: 'buzzTotal',
    afterDatasetsDraw(chart) {
      const b = chart.$buzz;
      if (!b || !b.donut || !chart.data.datasets[0]) return;
      const total = chart.data.datasets[0].data.reduce((s, v) => s + (+v || 0), 0);
      const {ctx, chartArea: a} = chart;
      ctx.save();
      ctx.font = `600 16px ${Chart.defaults.font.family}`;
      ctx.fillStyle = '#333';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(fmt(total), (a.left + a.right) / 2, (a.top + a.bottom) / 2);
      ctx.restore();
    },
  });

  const axisTitle = (text) => ({display: !!text, text: text || ''});
  // Ticks of a timed axis at round clock steps (10 s, 1 min, 30 min, ...), local time.
  const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map((s) => s * 1000);
  function timeTicks(scale, b) {
    if (!b.timed || !(scale.max > scale.min)) return;
    const step = STEPS.find((s) => (scale.max - scale.min) / s <= 6) || STEPS[STEPS.length - 1];
    const offset = new Date(scale.min).getTimezoneOffset() * 60000;   // round in local time
    const ticks = [];
    for (let v = Math.ceil((scale.min - offset) / step) * step + offset; v <= scale.max; v += step) ticks.push({value: v});
    if (ticks.length) scale.ticks = ticks;
  }
  function xAxis(b, label) {   // a linear x axis, HH:MM:SS when b.timed (epoch ms)
    return {
      type: 'linear', bounds: 'data', title: axisTitle(label), afterBuildTicks: (scale) => timeTicks(scale, b),
      ticks: {maxRotation: 0, autoSkipPadding: 12, maxTicksLimit: 7,
        callback: (v) => (b.timed ? clock(v) : short(v))},
      grid: {color: '#eee'},
    };
  }
  const tooltipTitle = (b) => (items) => (items.length ? (b.timed ? clock(items[0].parsed.x) : `x = ${short(items[0].parsed.x)}`) : '');
  const points = (xs, ys) => { const out = new Array(Math.min(xs.length, ys.length)); for (let i = 0; i < out.length; i++) out[i] = {x: xs[i], y: ys[i]}; return out; };
  const markerPoints = (ms) => (ms || []).map(([x, y, label]) => ({x, y, label}));
  function markerDataset(alertColor) {
    return {label: 'Alert', type: 'scatter', data: [], showLine: false, pointRadius: 5, pointHoverRadius: 7,
      pointBackgroundColor: alertColor, pointBorderColor: '#fff', borderColor: alertColor, order: -1};
  }
  const markerTooltip = {label: (c) => (c.raw && c.raw.label != null ? `${c.raw.label}: ${short(c.parsed.y)}` : `${c.dataset.label}: ${short(c.parsed.y)}`)};

  // ---- one maker and one updater per chart kind ----------------------------------------
  // make(canvas, panel) -> Chart; update(chart, panel) sets data in place.
  const KINDS = {
    bar: {make: (cv, p) => makeCategories(cv, p, 'x'), update: updateCategories},
    hbar: {make: (cv, p) => makeCategories(cv, p, 'y'), update: updateCategories},
    pie: {make: makePie, update: (chart, p) => updateCategories(chart, p, true)},
    line: {make: makeLine, update: updateLine},
    band: {make: makeBand, update: updateBand},
    scatter: {make: makeScatter, update: updateScatter},
    histogram: {make: makeHistogram, update: updateHistogram},
  };

  // (a name such as "constructor" is no chart kind of ours)
  const kindOf = (p) => (Object.prototype.hasOwnProperty.call(KINDS, p.kind) ? KINDS[p.kind] : null);

  function makeCategories(canvas, p, indexAxis) {
    const o = p.options || {};
    const valueAxis = indexAxis === 'x' ? 'y' : 'x';
    const chart = new Chart(canvas, {
      type: 'bar',
      data: {labels: [], datasets: [{label: o.unit || 'count', data: [], backgroundColor: []}]},
      options: {
        indexAxis,
        plugins: {legend: {display: false}},
        scales: {
          [indexAxis]: {title: axisTitle(indexAxis === 'x' ? o.xlabel : o.ylabel), grid: {display: false},
            ticks: {autoSkip: indexAxis === 'x', maxRotation: 45}},
          [valueAxis]: {beginAtZero: true, title: axisTitle(indexAxis === 'x' ? o.ylabel : o.xlabel),
            grid: {color: '#eee'}, ticks: {callback: short}},
        },
      },
    });
    chart.$buzz = {};
    return chart;
  }
  function makePie(canvas, p) {
    const o = p.options || {};
    const chart = new Chart(canvas, {
      type: o.donut ? 'doughnut' : 'pie',
      data: {labels: [], datasets: [{data: [], backgroundColor: [], borderColor: '#fff'}]},
      options: {plugins: {legend: {position: 'right', labels: {boxWidth: 12}}}},
    });
    chart.$buzz = {donut: !!o.donut};
    return chart;
  }
  // a category's colour: the feed's key_colors (each key its own, as the charts draw it),
  // else the colours given (--colors), in turn
  function keyColor(o, label, i) {
    const given = colorsOf(o), keyed = o.key_colors;
    if (!given && keyed && typeof keyed === 'object' && Object.prototype.hasOwnProperty.call(keyed, label)
        && typeof keyed[label] === 'string') return color(keyed[label], PALETTE[0]);
    const palette = given || PALETTE;
    return color(palette[i % palette.length], PALETTE[0]);
  }
  function updateCategories(chart, p, greyOther) {
    const d = p.data || {}, labels = d.labels || [], o = p.options || {};
    chart.data.labels = labels;
    const ds = chart.data.datasets[0];
    ds.data = d.values || [];
    ds.backgroundColor = labels.map((l, i) => ((greyOther && String(l).toLowerCase() === 'other') || i === d.others_at ? OTHER : keyColor(o, String(l), i)));
  }

  function makeLine(canvas, p) {
    const o = p.options || {}, cs = colorsOf(o) || [];
    const lineColor = color(cs[0], PALETTE[0]), alertColor = color(cs[1], '#d62728');
    const b = {timed: false, spans: [], spanColor: alpha(alertColor, 0.15)};
    const chart = new Chart(canvas, {
      type: 'line',
      data: {datasets: [
        {label: o.label || 'Value', data: [], borderColor: lineColor, backgroundColor: lineColor,
          borderWidth: 2, pointRadius: 0, pointHitRadius: 6, tension: 0},
        markerDataset(alertColor),
      ]},
      options: {
        interaction: {mode: 'nearest', intersect: false},
        plugins: {legend: {display: false}, tooltip: {callbacks: {title: tooltipTitle(b), ...markerTooltip}}},
        scales: {x: xAxis(b, o.xlabel), y: {title: axisTitle(o.ylabel), grid: {color: '#eee'}, ticks: {callback: short}}},
      },
    });
    chart.$buzz = b;
    return chart;
  }
  function updateLine(chart, p) {
    const d = p.data || {};
    chart.$buzz.timed = !!d.timed;
    chart.$buzz.spans = d.spans || [];
    chart.data.datasets[0].data = points(d.x || [], d.y || []);
    chart.data.datasets[1].data = markerPoints(d.markers);
  }

  function makeBand(canvas, p) {
    const o = p.options || {}, cs = colorsOf(o) || [];
    const lineColor = color(cs[0], PALETTE[0]), alertColor = color(cs[1], '#d62728');
    const b = {timed: false};
    const edge = {data: [], borderWidth: 0, pointRadius: 0, pointHitRadius: 0, tension: 0};
    const chart = new Chart(canvas, {
      type: 'line',
      data: {datasets: [
        {...edge, label: 'low', fill: false},
        {...edge, label: o.band_label || 'min-max', fill: '-1', backgroundColor: alpha(lineColor, 0.18)},
        {label: 'mean', data: [], borderColor: lineColor, backgroundColor: lineColor, borderWidth: 2,
          pointRadius: 0, pointHitRadius: 6, tension: 0, fill: false},
        markerDataset(alertColor),
      ]},
      options: {
        interaction: {mode: 'nearest', intersect: false},
        plugins: {
          legend: {labels: {boxWidth: 12, filter: (item) => item.datasetIndex === 1 || item.datasetIndex === 2}},
          tooltip: {filter: (item) => item.datasetIndex >= 2, callbacks: {title: tooltipTitle(b), ...markerTooltip}},
        },
        scales: {x: xAxis(b, o.xlabel), y: {title: axisTitle(o.ylabel), grid: {color: '#eee'}, ticks: {callback: short}}},
      },
    });
    chart.$buzz = b;
    return chart;
  }
  function updateBand(chart, p) {
    const d = p.data || {}, x = d.x || [], ds = chart.data.datasets;
    chart.$buzz.timed = !!d.timed;
    ds[0].data = points(x, d.low || []);
    ds[1].data = points(x, d.high || []);
    ds[2].data = points(x, d.mean || []);
    ds[3].data = markerPoints(d.markers);
  }

  function makeScatter(canvas, p) {
    const o = p.options || {}, c = color((colorsOf(o) || [])[0], PALETTE[0]);
    const chart = new Chart(canvas, {
      type: 'scatter',
      data: {datasets: [{label: 'points', data: [], backgroundColor: alpha(c, 0.6), borderColor: c, pointRadius: 3}]},
      options: {
        plugins: {legend: {display: false}},
        scales: {
          x: {type: 'linear', title: axisTitle(o.xlabel), grid: {color: '#eee'}, ticks: {callback: short}},
          y: {title: axisTitle(o.ylabel), grid: {color: '#eee'}, ticks: {callback: short}},
        },
      },
    });
    chart.$buzz = {};
    return chart;
  }
  function updateScatter(chart, p) {
    const d = p.data || {};
    chart.data.datasets[0].data = points(d.x || [], d.y || []);
  }

  function makeHistogram(canvas, p) {
    const o = p.options || {}, c = color((colorsOf(o) || [])[0], PALETTE[0]);
    const chart = new Chart(canvas, {
      type: 'bar',
      data: {labels: [], datasets: [{label: 'count', data: [], backgroundColor: alpha(c, 0.75), borderColor: c,
        borderWidth: 1, categoryPercentage: 1, barPercentage: 1}]},
      options: {
        plugins: {legend: {display: false}},
        scales: {
          x: {title: axisTitle(o.xlabel), grid: {display: false}, ticks: {maxRotation: 45, autoSkipPadding: 6}},
          y: {beginAtZero: true, title: axisTitle(o.ylabel || 'count'), grid: {color: '#eee'}, ticks: {callback: short}},
        },
      },
    });
    chart.$buzz = {};
    return chart;
  }
  function updateHistogram(chart, p) {
    const d = p.data || {}, edges = d.edges || [], counts = d.counts || [];
    chart.data.labels = counts.map((_, i) => `${short(edges[i])}–${short(edges[i + 1])}`);
    chart.data.datasets[0].data = counts;
  }

  function makeRate(canvas) {
    const b = {timed: true};
    const chart = new Chart(canvas, {
      type: 'line',
      data: {datasets: [{label: 'msgs/s', data: [], borderColor: '#2ca02c', backgroundColor: 'rgba(44, 160, 44, 0.12)',
        fill: 'origin', borderWidth: 1.5, pointRadius: 0, pointHitRadius: 6, tension: 0}]},
      options: {
        interaction: {mode: 'nearest', intersect: false},
        plugins: {legend: {display: false}, tooltip: {callbacks: {title: tooltipTitle(b), label: (c) => `${fmtRate(c.parsed.y)} msgs/s`}}},
        scales: {x: xAxis(b),
          y: {beginAtZero: true, grid: {color: '#eee'}, ticks: {maxTicksLimit: 4, callback: short}}},
      },
    });
    chart.$buzz = b;
    return chart;
  }

  // ---- consumer sections -----------------------------------------------------------------
  function stat(parent, cls, label, withUnit) {
    const box = el('div', 'stat');
    const value = el('span', `stat-value ${cls}`);
    value.dataset.value = '';
    value.$num = el('span', 'num', '—');
    value.append(value.$num);
    if (withUnit) value.append(value.$unit = el('small', 'unit', ''));
    box.append(value, el('span', 'stat-label', label));
    parent.append(box);
    return value;
  }

  function setStat(node, raw, text, unit) {
    setAttr(node, 'data-value', raw == null || !isFinite(raw) ? '' : String(raw));
    setText(node.$num, text);
    if (node.$unit) setText(node.$unit, unit ? ` ${unit}` : '');
  }

  function makeCard(c) {
    const section = el('section', 'consumer');
    section.dataset.id = c.id;
    const head = el('header', 'consumer-head');
    const title = el('h2', 'consumer-title');
    const state = el('span', 'state');
    const meta = el('p', 'meta');
    // a group member (Kafka): the partitions it holds, and the group's total beside its own
    const held = el('p', 'meta partitions');
    held.hidden = true;
    head.append(title, state, meta, held);
    const stats = el('div', 'stats');
    const els = {title, state, meta, held,
      messages: stat(stats, 'messages', 'messages'),
      groupMessages: stat(stats, 'group-messages', 'group total', true),
      windowMessages: stat(stats, 'window-messages', 'in window'),
      rate: stat(stats, 'rate', 'msgs/s'),
      lag: stat(stats, 'lag', 'lag', true),
      dead: stat(stats, 'dead-letters', 'dead letters')};
    const panels = el('div', 'panels');
    const rateBox = el('div', 'rate-box');
    const rateCanvas = el('canvas', 'rate-chart');
    const rateWrap = el('div', 'chart-box small');
    rateWrap.append(rateCanvas);
    rateBox.append(el('span', 'rate-title', 'msgs/s'), rateWrap);
    section.append(head, stats, panels, rateBox);
    $('#consumers').append(section);
    const rate = makeRate(rateCanvas);
    charts.set(`${c.id}/rate`, rate);
    return {section, els, panelsBox: panels, panelsSig: null, panels: [], rate, rateSig: null};
  }

  function destroyPanels(card, id) {
    card.panels.forEach((p, i) => { if (p.chart) { p.chart.destroy(); charts.delete(`${id}/panel/${i}`); } });
    card.panels = [];
    card.panelsBox.replaceChildren();
  }

  function destroyCard(id) {
    const card = cards.get(id);
    destroyPanels(card, id);
    card.rate.destroy();
    charts.delete(`${id}/rate`);
    card.section.remove();
    cards.delete(id);
  }

  function buildPanels(card, c) {
    destroyPanels(card, c.id);
    (c.panels || []).forEach((p, i) => {
      const box = el('div', 'panel');
      box.dataset.kind = p.kind;
      box.append(el('h3', 'panel-title', p.title || p.kind));
      card.panelsBox.append(box);   // in the page before Chart.js measures the canvas
      const kind = kindOf(p);
      const entry = {sig: null, chart: null, status: null, note: null};
      if (!kind) {
        box.classList.add('unknown');
        box.append(el('p', 'panel-unknown', `chart kind ${p.kind} not shown in the browser`));
      } else {
        const wrap = el('div', 'chart-box');
        const canvas = el('canvas');
        wrap.append(canvas);
        box.append(wrap);
        if (p.shape === 'series' || p.kind === 'line') box.append(entry.status = el('p', 'panel-status', ''));
        entry.chart = kind.make(canvas, p);
        charts.set(`${c.id}/panel/${i}`, entry.chart);
      }
      card.panels.push(entry);
    });
  }

  // "partitions 0, 2 of this consumer" and the group's total read from its changelog (its
  // age said when the last read failed); nothing of it for a file or memory consumer
  function updateGroup(els, c, now) {
    const parts = Array.isArray(c.partitions) ? c.partitions : null;
    els.held.hidden = parts == null;
    if (parts) {
      setText(els.held, parts.length
        ? `partition${parts.length === 1 ? '' : 's'} ${parts.join(', ')} of this consumer`
        : 'no partition held by this consumer now');
    }
    const g = c.group_total && typeof c.group_total === 'object' ? c.group_total : null;
    els.groupMessages.parentElement.hidden = g == null;
    setAttr(els.groupMessages, 'data-stale', g && g.stale ? 'true' : '');
    if (g) {
      const age = g.stale && now && g.as_of ? `as of ${ago(Math.max(0, now - g.as_of))} ago` : '';
      setStat(els.groupMessages, g.messages, fmt(g.messages), age);
      setAttr(els.groupMessages.parentElement, 'title',
        `${fmt(g.messages)} messages, ${fmt(g.rejected)} rejected in the ${fmt(g.partitions)} ` +
        'partitions with committed state (read from the group\'s changelog)');
    }
  }

  function updateCard(card, c, now) {
    const {els} = card;
    setText(els.title, c.title || c.id);
    // a running consumer that cannot reach its broker says so (its numbers are the last ones)
    setText(els.state, c.outage || c.state || '');
    setAttr(els.state, 'data-value', c.outage ? 'outage' : (c.state || ''));
    const where = [c.app, c.transport, c.topic, c.group].filter((v) => v != null && v !== '').join(' · ');
    let meta = c.pid != null ? `${where} · pid ${c.pid}` : where;
    if (c.state !== 'running' && c.updated && now) meta += ` · last update ${ago(Math.max(0, now - c.updated))} ago`;
    setText(els.meta, meta);
    setStat(els.messages, c.messages, fmt(c.messages));
    updateGroup(els, c, now);
    setStat(els.windowMessages, c.window_messages, fmt(c.window_messages));
    setStat(els.rate, c.rate, fmtRate(c.rate));
    if (c.lag_unit === 'bytes') {
      const [text, unit] = fmtBytes(c.lag);
      setStat(els.lag, c.lag, text, unit);
    } else {
      setStat(els.lag, c.lag, fmt(c.lag), c.lag == null ? '' : c.lag_unit);
    }
    setStat(els.dead, c.rejected, fmt(c.rejected));
    card.section.classList.toggle('has-dead-letters', (c.rejected || 0) > 0);

    const panels = c.panels || [];
    const sig = panels.map((p) => `${p.kind}\u0001${p.title}\u0001${JSON.stringify(p.options || {})}`).join('\u0002');
    if (sig !== card.panelsSig) {
      buildPanels(card, c);
      card.panelsSig = sig;
      card.section.classList.toggle('wide', panels.length >= 3);   // a whole row for many panels
    }
    panels.forEach((p, i) => {
      const entry = card.panels[i];
      if (!entry || !entry.chart) return;
      const dataSig = JSON.stringify(p.data);
      if (dataSig === entry.sig) return;   // same data as last frame: nothing to draw
      entry.sig = dataSig;
      kindOf(p).update(entry.chart, p);
      entry.chart.update('none');
      if (entry.status) setText(entry.status, (p.data && p.data.status) || '');
    });

    const rates = c.rates || [];
    const rateSig = rates.length ? `${rates.length}:${rates[0][0]}:${rates[rates.length - 1].join(',')}` : '';
    if (rateSig !== card.rateSig) {
      card.rateSig = rateSig;
      card.rate.data.datasets[0].data = rates.map(([t, r]) => ({x: t * 1000, y: r}));
      card.rate.options.scales.x.ticks.display = rates.length > 0;
      card.rate.update('none');
    }
  }

  // ---- frames ----------------------------------------------------------------------------
  function render(frame) {
    const consumers = Array.isArray(frame.consumers) ? frame.consumers : [];
    $('#empty').hidden = consumers.length > 0;
    const seen = new Set(consumers.map((c) => c.id));
    for (const id of [...cards.keys()]) if (!seen.has(id)) destroyCard(id);
    const box = $('#consumers');
    consumers.forEach((c, i) => {
      let card = cards.get(c.id);
      if (!card) { card = makeCard(c); cards.set(c.id, card); }
      if (box.children[i] !== card.section) box.insertBefore(card.section, box.children[i] || null);
      updateCard(card, c, frame.now);
    });
  }

  function onFrame(event) {
    let frame;
    try { frame = JSON.parse(event.data); } catch (err) { console.warn('buzzline: bad frame', err); return; }
    api.frames += 1;
    api.last = frame;
    setText($('#frames'), String(api.frames));
    setConnection('live');
    if (document.hidden) { dirty = true; return; }   // draw when the tab is seen again
    render(frame);
  }

  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && dirty && api.last) { dirty = false; render(api.last); }
  });

  // ---- connection ------------------------------------------------------------------------
  function setConnection(state) {
    const node = $('#connection');
    setText(node, state);
    setAttr(node, 'data-value', state);
  }

  function connect() {
    disconnect();
    setConnection('connecting');
    const es = new EventSource(`/events?window=${encodeURIComponent(windowSeconds)}`);
    source = es;
    es.addEventListener('open', () => { if (source === es) setConnection('live'); });
    es.addEventListener('frame', (e) => { if (source === es) onFrame(e); });
    es.addEventListener('error', () => {
      if (source !== es || paused) return;
      setConnection('reconnecting');
      // EventSource retries by itself unless it gave up (e.g. an HTTP error): then we retry.
      if (es.readyState === EventSource.CLOSED && !retryTimer) {
        retryTimer = setTimeout(() => { retryTimer = null; if (!paused) connect(); }, 2000);
      }
    });
  }

  function disconnect() {
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    if (source) { source.close(); source = null; }
  }

  $('#window').addEventListener('change', (e) => {
    windowSeconds = e.target.value;
    if (!paused) connect();          // while paused the new window is used on Resume
  });

  $('#pause').addEventListener('click', () => {
    paused = !paused;
    document.body.dataset.paused = String(paused);
    $('#pause').textContent = paused ? 'Resume' : 'Pause';
    if (paused) { disconnect(); setConnection('paused'); } else connect();
  });

  connect();
})();
