// People (issue 17): the directory for everyone. A search by name and
// filter menus for jurisdiction, region and focus (with how many hold
// each: directory.facets), pages of people by name (user.find) as cards
// with their focus and bio and the buttons Message and Introduce; above
// them the people I might want to meet (peers.suggest). Admins find their
// account tools here too.
import { h, clear, nextId, append } from '../dom.js';
import { alertLine, noteLine } from '../dialog.js';
import { state } from '../state.js';
import * as net from '../net.js';
import { errText, personInfo } from '../dialogs/common.js';
import { searchAsYouType, openDm } from '../dialogs/people.js';
import { peopleAdmin } from '../dialogs/admin.js';
import { introduce } from '../dialogs/introduce.js';
import * as view from './weaveview.js';
import { profileExtra } from './weavefmt.js';

// A person's card with Message and Introduce.
export function personCard(u) {
  const nameId = nextId('pname');
  const alert = alertLine();
  const info = personInfo(u);
  info.querySelector('.person-name')?.setAttribute('id', nameId);
  const message = h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-describedby': nameId }, 'Message');
  message.addEventListener('click', () => openDm(u, { close: view.close }, alert));
  const intro = h('button', { type: 'button', class: 'btn btn-ghost btn-small', 'aria-haspopup': 'dialog', 'aria-describedby': nameId }, 'Introduce');
  intro.addEventListener('click', () => introduce(u));
  const mine = state.me && u.id === state.me.id;
  return h('li', { class: 'person person-card' },
    info, ...profileExtra(u),
    mine ? null : h('div', { class: 'person-actions' }, message, intro), alert);
}

// Fills list with the people I might want to meet; false when there are none.
export async function fillPeers(list, limit = 6) {
  clear(list);
  try {
    const r = await net.request({ type: 'peers.suggest', limit });
    for (const u of r.users || []) list.append(personCard(u));
    return (r.users || []).length > 0;
  } catch {
    return false;
  }
}

function select(label, anyText) {
  const id = nextId('facet');
  const el = h('select', { id, class: 'input' }, h('option', { value: '' }, anyText));
  return { el, field: h('div', { class: 'field' }, h('label', { for: id }, label), el) };
}

function fillFacet(sel, values) {
  for (const v of values || [])
    sel.append(h('option', { value: v.name }, `${v.name} (${v.count})`));
}

function build(body) {
  const q = h('input', { id: nextId('people-q'), type: 'search', class: 'input', autocomplete: 'off', spellcheck: 'false' });
  const jur = select('Jurisdiction', 'Any jurisdiction');
  const reg = select('Region', 'Any region');
  const foc = select('Focus', 'Any focus');
  const status = noteLine();
  status.setAttribute('role', 'status');
  const alert = alertLine();
  const results = h('ul', { class: 'people-list directory-list', 'aria-label': 'People found' });
  const more = h('button', { type: 'button', class: 'btn btn-secondary btn-small', hidden: true }, 'More people');
  const peers = h('ul', { class: 'people-list directory-list' });
  const peersTitle = nextId('peers');
  // A named group, not a region: "People" names the directory's region alone.
  const peersBox = h('div', { class: 'directory-peers', role: 'group', 'aria-labelledby': peersTitle, hidden: true },
    h('h2', { id: peersTitle, class: 'section-title' }, 'People you might want to meet'), peers);
  let after = '';

  async function search(latest = () => true, append = false) {
    const req = { type: 'user.find', q: q.value.trim() };
    for (const [k, s] of [['jurisdiction', jur.el], ['region', reg.el], ['focus', foc.el]]) if (s.value) req[k] = s.value;
    if (append) req.after = after;
    alert.show('');
    if (!req.q && !req.jurisdiction && !req.region && !req.focus) {
      clear(results);
      more.hidden = true;
      status.show('Search by name, or choose a jurisdiction, region or focus.');
      peersBox.hidden = peers.childElementCount === 0;
      return;
    }
    if (!req.q) delete req.q;
    status.show('Searching…');
    try {
      const r = await net.request(req);
      if (!latest()) return;
      if (!append) clear(results);
      for (const u of r.users || []) results.append(personCard(u));
      const users = r.users || [];
      if (users.length) after = users[users.length - 1].name;
      more.hidden = !r.more;
      const n = results.childElementCount;
      status.show(n ? `${n}${r.more ? '+' : ''} ${n === 1 ? 'person' : 'people'} found` : 'Nobody matches these filters.');
      peersBox.hidden = true;
    } catch (e) {
      if (latest()) { status.show(''); alert.show(errText(e)); }
    }
  }
  searchAsYouType(q, (latest) => search(latest));
  for (const s of [jur.el, reg.el, foc.el]) s.addEventListener('change', () => search());
  more.addEventListener('click', () => search(() => true, true));

  const admin = state.me?.admin
    ? h('div', { class: 'directory-admin' },
      h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-haspopup': 'dialog', onclick: () => peopleAdmin() }, 'Account tools'),
      h('span', { class: 'hint' }, 'Create accounts, send sign-up links, import a roster.'))
    : null;
  append(body, [ // admin is null for everyone else
    admin,
    h('form', { class: 'directory-search', role: 'search', 'aria-label': 'Find people', novalidate: true, onsubmit: (e) => { e.preventDefault(); search(); } },
      h('div', { class: 'field directory-q' }, h('label', { for: q.id }, 'Search people'), q),
      h('div', { class: 'directory-filters' }, jur.field, reg.field, foc.field)),
    status, alert, results, more, peersBox]);
  status.show('Search by name, or choose a jurisdiction, region or focus.');
  net.request({ type: 'directory.facets' }).then((f) => {
    fillFacet(jur.el, f.jurisdictions);
    fillFacet(reg.el, f.regions);
    fillFacet(foc.el, f.focus);
  }).catch((e) => alert.show(`Couldn’t load the filters: ${errText(e)}`));
  fillPeers(peers).then((some) => { peersBox.hidden = !some || results.childElementCount > 0; });
}

export function showDirectory() {
  view.show('People', build);
}
