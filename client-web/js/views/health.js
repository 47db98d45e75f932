// Network health (issue 17; admins and weavers): the headline figures of
// network.health, three charts of the last 12 weeks (active members,
// messages, cross-jurisdiction ties) drawn here as SVG, each with a table
// of the same numbers beside it, and the isolated jurisdictions. Counts
// only: the server never says who talked to whom.
import { h, clear } from '../dom.js';
import { alertLine, noteLine } from '../dialog.js';
import * as net from '../net.js';
import { errText } from '../dialogs/common.js';
import * as view from './weaveview.js';
import { formatCount, weekLabel } from './weavefmt.js';

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) if (c != null) el.append(c);
  return el;
}

// A bar chart of values (12 weeks) with its axis and labels; the table
// beside it is the accessible reading of the same numbers.
function chart(title, weeks, key) {
  const W = 360, H = 160, L = 40, B = 24, T = 10;
  const values = weeks.map((w) => w[key] || 0);
  const max = Math.max(1, ...values);
  const step = (W - L - 8) / values.length;
  const y = (v) => T + (H - T - B) * (1 - v / max);
  const bars = values.map((v, i) => s('rect', {
    x: (L + i * step + step * 0.15).toFixed(1), y: y(v).toFixed(1), width: (step * 0.7).toFixed(1),
    height: Math.max(0, H - B - y(v)).toFixed(1), class: 'bar',
  }, s('title', {}, `${weekLabel(weeks[i].week)}: ${formatCount(v)}`)));
  // Whole numbers only, each once (a top of 1 has no middle line).
  const ticks = [...new Set([0, Math.round(max / 2), max])].map((v) => s('g', {},
    s('line', { x1: L - 4, x2: W - 8, y1: y(v).toFixed(1), y2: y(v).toFixed(1), class: 'grid' }),
    s('text', { x: L - 6, y: (y(v) + 4).toFixed(1), class: 'tick', 'text-anchor': 'end' }, formatCount(Math.round(v)))));
  const labels = weeks.map((w, i) => (i % 3 === 0 || i === weeks.length - 1
    ? s('text', { x: (L + i * step + step / 2).toFixed(1), y: H - 6, class: 'tick', 'text-anchor': 'middle' }, weekLabel(w.week))
    : null));
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-hidden': 'true', focusable: 'false' },
    ...ticks, ...bars, ...labels);
  const table = h('table', { class: 'chart-table' },
    h('caption', null, `${title}, by week`),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Week of'), h('th', { scope: 'col' }, title))),
    h('tbody', null, weeks.map((w) => h('tr', null, h('th', { scope: 'row' }, weekLabel(w.week)), h('td', null, formatCount(w[key] || 0))))));
  return h('figure', { class: 'chart-card' }, h('figcaption', { class: 'chart-title' }, title),
    h('div', { class: 'chart-pair' }, svg, table));
}

function headline(f) {
  const item = (label, value, hint) => h('div', { class: 'figure' },
    h('dt', null, label), h('dd', null, h('span', { class: 'figure-value' }, formatCount(value)), hint ? h('span', { class: 'figure-hint' }, hint) : null));
  const share = f.ties ? Math.round((100 * f.ties_cross) / f.ties) : 0;
  return h('dl', { class: 'figures' },
    item('Members', f.members),
    item('Active', f.active, 'wrote in the period'),
    item('Jurisdictions', f.jurisdictions),
    item('Ties', f.ties, 'pairs who wrote in one small group'),
    item('Cross-jurisdiction ties', f.ties_cross, `${share}% of ties`));
}

function render(body, f, days) {
  clear(body);
  const isolated = f.isolated || [];
  body.append(
    h('p', { class: 'hint' }, `The last ${days} days. A tie is two people who both wrote in the same direct message or channel of at most 12 members.`),
    headline(f),
    h('section', { class: 'health-isolated', 'aria-label': 'Isolated jurisdictions' },
      h('h2', { class: 'section-title' }, `Isolated jurisdictions (${isolated.length})`),
      isolated.length
        ? [h('p', { class: 'hint' }, 'Members here have no tie to anyone in another jurisdiction. Good places to introduce people.'),
          h('ul', { class: 'isolated-list' }, isolated.map((j) => h('li', { class: 'tag' }, j)))]
        : h('p', { class: 'hint' }, 'Every jurisdiction has a tie to another.')),
    h('div', { class: 'charts' },
      chart('Active members', f.weekly || [], 'active'),
      chart('Messages', f.weekly || [], 'messages'),
      chart('Cross-jurisdiction ties', f.weekly || [], 'ties_cross')));
}

function build(body) {
  const status = noteLine();
  status.setAttribute('role', 'status');
  const alert = alertLine();
  const out = h('div', { class: 'health' });
  body.append(status, alert, out);
  status.show('Computing the figures…');
  const days = 90;
  net.request({ type: 'network.health', days }).then((f) => {
    status.show('');
    render(out, f, days);
  }).catch((e) => { status.show(''); alert.show(`Couldn’t load network health: ${errText(e)}`); });
}

export const showHealth = () => view.show('Network health', build);
