// Feature dialogs: browse and join channels, create a channel, direct
// messages, members, and join requests for moderators. Features the server
// does not support yet answer with an error; its text is shown as is.
import { h, clear, nextId } from './dom.js';
import { openDialog, alertLine, noteLine, confirmDialog } from './dialog.js';
import { accessLabel, cap, isPendingFlag, isInvited, ACCESS_HELP, KIND_HELP, DEFAULT_ACCESS } from './util.js';
import { formatTime } from './timefmt.js';

const errText = (e) => (e && e.message ? e.message : 'Something went wrong. Try again.');
const userName = (u) => (u ? u.display || u.name || `user ${u.id}` : 'someone');
const countLabel = (n) => (typeof n === 'number' ? `${n} ${n === 1 ? 'member' : 'members'}` : null);

// "Ana Bell @ana" and, below, "Alameda County · Bay Area · Equity Officer".
export function personInfo(u, { me = false, tags = [] } = {}) {
  const meta = [u.title, u.jurisdiction, u.region].filter((x) => typeof x === 'string' && x.trim()).join(' · ');
  return h('div', { class: 'person-info' },
    h('p', { class: 'person-name' }, userName(u), me ? ' (you)' : null,
      u.display && u.name && u.display !== u.name ? h('span', { class: 'person-handle' }, ` @${u.name}`) : null,
      tags.filter(Boolean).map((t) => [' ', h('span', { class: `tag${t.cls ? ` ${t.cls}` : ''}` }, t.text || t)])),
    meta ? h('p', { class: 'person-meta' }, meta) : null);
}
export { userName, errText };

// ------------------------------------------------------------ browse

export async function browseChannels(app) {
  const alert = alertLine();
  const note = noteLine();
  const list = h('ul', { class: 'browse-list', 'aria-label': 'Channels you can join' });
  const filter = h('input', { type: 'search', class: 'input', autocomplete: 'off' });
  const filterId = nextId('filter');
  filter.id = filterId;
  let channels = [];

  const dlg = openDialog({
    title: 'Browse channels',
    className: 'dialog-wide',
    content: [
      h('div', { class: 'field' }, h('label', { for: filterId }, 'Filter channels'), filter),
      alert, note, list,
    ],
  });

  const render = () => {
    clear(list);
    const q = filter.value.trim().toLowerCase();
    const shown = channels
      .filter((c) => c.kind !== 'dm')
      .filter((c) => !q || c.name.toLowerCase().includes(q) || (c.topic || '').toLowerCase().includes(q))
      .sort((a, b) => Number(Boolean(a.role)) - Number(Boolean(b.role)) || a.name.localeCompare(b.name));
    if (!shown.length) {
      list.append(h('li', { class: 'browse-empty' }, q ? 'No channels match.' : 'There are no other channels yet. Create one!'));
      return;
    }
    for (const c of shown) list.append(row(c));
  };

  const row = (c) => {
    const actions = h('div', { class: 'browse-actions' });
    const li = h('li', { class: 'browse-item' },
      h('div', { class: 'browse-info' },
        h('h3', { class: 'browse-name' }, h('span', { 'aria-hidden': 'true' }, '#'), c.name),
        h('p', { class: 'browse-meta' }, [cap(c.kind), accessLabel(c.access), countLabel(c.member_count)].filter(Boolean).join(' · ')),
        c.topic ? h('p', { class: 'browse-topic' }, c.topic) : null),
      actions);
    const pending = app.pendingJoins().has(c.id) || isPendingFlag(c);
    if (c.role || app.isMember(c.id)) {
      actions.append(h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `Open ${c.name}`, onclick: () => { dlg.close(); app.go(c.id); } }, 'Open'));
    } else if (pending) {
      actions.append(h('span', { class: 'tag' }, 'Request pending'));
    } else if (isInvited(c)) {
      actions.append(h('button', { type: 'button', class: 'btn btn-primary btn-small', 'aria-label': `Accept invitation to ${c.name}`, onclick: () => join(c) }, 'Accept invitation'));
    } else if (c.access === 'open') {
      actions.append(h('button', { type: 'button', class: 'btn btn-primary btn-small', 'aria-label': `Join ${c.name}`, onclick: () => join(c) }, 'Join'));
    } else if (c.access === 'request') {
      const btn = h('button', { type: 'button', class: 'btn btn-primary btn-small', 'aria-label': `Request to join ${c.name}`, 'aria-expanded': 'false' }, 'Request to join');
      btn.addEventListener('click', () => {
        btn.hidden = true;
        const ta = h('textarea', { class: 'input', rows: '2', maxlength: '500' });
        const id = nextId('note');
        ta.id = id;
        const form = h('form', { class: 'request-form', onsubmit: (e) => { e.preventDefault(); join(c, ta.value.trim()); } },
          h('div', { class: 'field' }, h('label', { for: id }, `Note to the moderators of ${c.name} (optional)`), ta,
            h('p', { class: 'hint' }, 'Say a little about who you are and why you’d like to join.')),
          h('div', { class: 'dialog-actions' },
            h('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: () => { form.remove(); btn.hidden = false; btn.focus(); } }, 'Cancel'),
            h('button', { type: 'submit', class: 'btn btn-primary btn-small' }, 'Send request')));
        li.append(form);
        ta.focus();
      });
      actions.append(btn);
    } else {
      actions.append(h('span', { class: 'tag' }, 'Invite only'));
    }
    return li;
  };

  const join = async (c, noteText) => {
    alert.show('');
    try {
      const msg = { type: 'channel.join', channel: c.id };
      if (noteText) msg.note = noteText;
      const r = await app.request(msg);
      if (r.type === 'pending') {
        app.markPending(c);
        note.show(`Request sent to the moderators of ${c.name}. You’ll see the channel here once they approve it.`);
        render();
        return;
      }
      const ch = r.type === 'channel' && r.channel ? r.channel : { ...c, role: 'member' };
      dlg.close();
      app.addChannel(ch);
    } catch (e) {
      alert.show(`Couldn’t join ${c.name}: ${errText(e)}`);
    }
  };

  filter.addEventListener('input', render);
  note.show('Loading channels…');
  try {
    const r = await app.request({ type: 'channel.list' });
    channels = r.channels || [];
    note.show('');
    render();
  } catch (e) {
    note.show('');
    alert.show(`Couldn’t load channels: ${errText(e)}`);
  }
}

export async function acceptInvite(app, c) {
  try {
    const r = await app.request({ type: 'channel.join', channel: c.id });
    app.addChannel(r.type === 'channel' && r.channel ? r.channel : { ...c, role: 'member' });
  } catch (e) {
    const alert = alertLine();
    openDialog({ title: 'Couldn’t accept the invitation', className: 'dialog-small', content: [alert] });
    alert.show(errText(e));
  }
}

// ------------------------------------------------------------ create

function radioGroup(legend, name, options, checked) {
  const fs = h('fieldset', { class: 'radio-group' }, h('legend', null, legend));
  for (const [value, label, help] of options) {
    const id = nextId(name);
    const helpId = `${id}-help`;
    fs.append(h('div', { class: 'radio-option' },
      h('input', { type: 'radio', id, name, value, checked: value === checked, 'aria-describedby': helpId }),
      h('label', { for: id }, h('span', { class: 'radio-label' }, label), h('span', { id: helpId, class: 'radio-help' }, help))));
  }
  return fs;
}

export function createChannel(app) {
  const alert = alertLine();
  const nameId = nextId('name');
  const topicId = nextId('topic');
  const name = h('input', { id: nameId, class: 'input', type: 'text', required: true, maxlength: '64', autocomplete: 'off',
    spellcheck: 'false', 'aria-describedby': `${nameId}-help`, pattern: '[a-z0-9-]{1,64}' });
  const topic = h('input', { id: topicId, class: 'input', type: 'text', maxlength: '250', autocomplete: 'off' });
  const kinds = radioGroup('Kind', 'kind', [
    ['caucus', 'Caucus', KIND_HELP.caucus],
    ['cohort', 'Cohort', KIND_HELP.cohort],
    ['team', 'Team', KIND_HELP.team],
  ], 'cohort');
  const access = radioGroup('Who can join', 'access', [
    ['open', 'Open', ACCESS_HELP.open],
    ['request', 'Request to join', ACCESS_HELP.request],
    ['invite', 'Invite only', ACCESS_HELP.invite],
  ], DEFAULT_ACCESS.cohort);
  let accessTouched = false;
  access.addEventListener('change', () => { accessTouched = true; });
  kinds.addEventListener('change', () => {
    if (accessTouched) return;
    const kind = kinds.querySelector('input:checked').value;
    access.querySelector(`input[value="${DEFAULT_ACCESS[kind]}"]`).checked = true;
  });
  // Channel names are lowercase words joined by hyphens; help people type them.
  name.addEventListener('input', () => {
    const v = name.value.toLowerCase().replace(/\s+/g, '-').replace(/[^a-z0-9-]/g, '');
    if (v !== name.value) name.value = v;
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create channel');
  const form = h('form', { class: 'stack', novalidate: true },
    h('div', { class: 'field' },
      h('label', { for: nameId }, 'Name'),
      name,
      h('p', { id: `${nameId}-help`, class: 'hint' }, 'Lowercase letters, numbers and hyphens, like “housing-equity”.')),
    kinds,
    access,
    h('div', { class: 'field' }, h('label', { for: topicId }, 'Topic (optional)'), topic),
    alert,
    h('div', { class: 'dialog-actions dialog-footer' },
      h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => dlg.close() }, 'Cancel'),
      submit));
  const dlg = openDialog({ title: 'Create a channel', content: form });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    alert.show('');
    if (!/^[a-z0-9-]{1,64}$/.test(name.value)) {
      alert.show('Give the channel a name: lowercase letters, numbers and hyphens.');
      name.focus();
      return;
    }
    const msg = {
      type: 'channel.create',
      name: name.value,
      kind: kinds.querySelector('input:checked').value,
      access: access.querySelector('input:checked').value,
    };
    if (topic.value.trim()) msg.topic = topic.value.trim();
    submit.disabled = true;
    try {
      const r = await app.request(msg);
      dlg.close();
      if (r.channel) app.addChannel({ role: 'owner', member_count: 1, unread: 0, ...r.channel });
    } catch (ex) {
      alert.show(ex.code === 'conflict' ? `A channel called “${msg.name}” already exists. Pick another name.` : `Couldn’t create the channel: ${errText(ex)}`);
    } finally {
      submit.disabled = false;
    }
  });
}

// ------------------------------------------------------------ people

// A search box backed by user.find; onPick(user, button) acts on a result.
function peopleSearch(app, { label, actionLabel, onPick }) {
  const alert = alertLine();
  const id = nextId('find');
  const input = h('input', { id, type: 'search', class: 'input', autocomplete: 'off', spellcheck: 'false' });
  const results = h('ul', { class: 'people-list', 'aria-label': 'Search results' });
  const status = noteLine();
  let timer = null;
  let seq = 0;
  const search = async () => {
    const q = input.value.trim();
    const mine = ++seq;
    clear(results);
    alert.show('');
    if (!q) { status.show(''); return; }
    status.show('Searching…');
    try {
      const r = await app.request({ type: 'user.find', q });
      if (mine !== seq) return;
      const users = (r.users || []).filter((u) => u.id !== app.me().id);
      status.show(users.length ? `${users.length} ${users.length === 1 ? 'person' : 'people'} found` : 'Nobody matches that name.');
      for (const u of users) {
        const btn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `${actionLabel} ${userName(u)}` }, actionLabel);
        btn.addEventListener('click', () => onPick(u, btn, alert));
        results.append(h('li', { class: 'person' }, personInfo(u), h('div', { class: 'person-actions' }, btn)));
      }
    } catch (e) {
      if (mine !== seq) return;
      status.show('');
      alert.show(errText(e));
    }
  };
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(search, 250); });
  return [h('div', { class: 'field' }, h('label', { for: id }, label), input,
    h('p', { class: 'hint' }, 'Search by name or username.')), status, alert, results];
}

async function openDm(app, user, dlg, alert) {
  try {
    const r = await app.request({ type: 'dm.open', users: [user.id] });
    const ch = r.channel || r;
    dlg.close();
    app.addChannel({ kind: 'dm', display: ch.display || userName(user), ...ch });
  } catch (e) {
    alert.show(`Couldn’t open a conversation with ${userName(user)}: ${errText(e)}`);
  }
}

export function newDirectMessage(app) {
  const dlg = openDialog({
    title: 'New direct message',
    content: peopleSearch(app, { label: 'Find people', actionLabel: 'Message', onPick: (u, _b, alert) => openDm(app, u, dlg, alert) }),
  });
}

const ROLE_ACTIONS = [['member', 'Make member'], ['moderator', 'Make moderator'], ['owner', 'Make owner']];
const ROLE_DONE = { owner: 'an owner', moderator: 'a moderator', member: 'a member' };

export async function members(app, c) {
  if (!c) return;
  const alert = alertLine();
  const status = noteLine();
  const done = noteLine();
  const list = h('ul', { class: 'people-list', 'aria-label': 'Members' });
  const myRole = () => app.channel(c.id)?.role;
  const isMod = () => ['owner', 'moderator'].includes(myRole());
  const content = [status, done, alert, list];
  let dlg;
  if (isMod() && c.kind !== 'dm') {
    const invited = noteLine();
    content.push(h('h3', { class: 'section-title' }, 'Invite people'), invited,
      ...peopleSearch(app, {
        label: 'Find people to invite',
        actionLabel: 'Invite',
        onPick: async (u, btn, a) => {
          try {
            await app.request({ type: 'channel.invite', channel: c.id, user: u.id });
            btn.disabled = true;
            btn.textContent = 'Invited';
            invited.show(`${userName(u)} is invited. They can accept from their channel list.`);
          } catch (e) {
            a.show(`Couldn’t invite ${userName(u)}: ${errText(e)}`);
          }
        },
      }));
  }
  const unsubs = [];
  dlg = openDialog({
    title: c.kind === 'dm' ? 'People in this conversation' : `Members of #${c.name}`,
    content,
    onClose: () => unsubs.forEach((u) => u()),
  });

  let ms = [];
  const act = async (m, what, fn) => {
    alert.show('');
    done.show('');
    try {
      await fn();
      done.show(what);
      await load();
    } catch (e) {
      alert.show(errText(e));
    }
  };

  const remove = async (m) => {
    const ch = app.channel(c.id) || c;
    const ok = await confirmDialog({
      title: `Remove ${userName(m)} from #${ch.name}?`,
      message: ch.access === 'open'
        ? 'They stop receiving its messages at once. Since the channel is open, they can join again from Browse channels.'
        : 'They stop receiving its messages at once. To come back they would need to ask again or be invited.',
      confirmLabel: 'Remove',
      danger: true,
    });
    if (!ok) return;
    await act(m, `${userName(m)} was removed from #${ch.name}.`, () => app.request({ type: 'channel.remove', channel: c.id, user: m.id }));
  };

  const setRole = async (m, role) => {
    if (role === 'owner') {
      const ok = await confirmDialog({
        title: `Make ${userName(m)} an owner?`,
        message: 'Owners can do everything you can: change roles, edit and archive the channel, and remove moderators.',
        confirmLabel: 'Make owner',
      });
      if (!ok) return;
    }
    await act(m, `${userName(m)} is now ${ROLE_DONE[role]}.`, () => app.request({ type: 'channel.role', channel: c.id, user: m.id, role }));
  };

  const render = () => {
    const focusKey = list.contains(document.activeElement) ? document.activeElement.dataset.key : null;
    const focusUser = focusKey ? focusKey.split(':')[0] : null;
    clear(list);
    const mine = myRole();
    const moderating = isMod() && c.kind !== 'dm';
    for (const m of ms) {
      const me = m.id === app.me().id;
      const actions = h('div', { class: 'person-actions' });
      const btn = (text, label, key, onclick, cls = 'btn-secondary') => actions.append(h('button', {
        type: 'button', class: `btn ${cls} btn-small`, 'aria-label': label, 'data-key': `${m.id}:${key}`, onclick,
      }, text));
      if (!me) btn('Message', `Message ${userName(m)}`, 'dm', () => openDm(app, m, dlg, alert));
      if (moderating && !me) {
        if (mine === 'owner') {
          for (const [role, text] of ROLE_ACTIONS) {
            if (role !== m.role) btn(text, `${text}: ${userName(m)}`, role, () => setRole(m, role));
          }
        }
        if (m.role !== 'owner' && (m.role !== 'moderator' || mine === 'owner')) {
          btn('Remove', `Remove ${userName(m)}`, 'remove', () => remove(m), 'btn-danger-quiet');
        }
      }
      list.append(h('li', { class: 'person', 'data-user': String(m.id) },
        personInfo(m, { me, tags: [m.role && m.role !== 'member' ? cap(m.role) : null] }),
        actions.firstChild ? actions : null));
    }
    if (focusKey) {
      const again = list.querySelector(`[data-key="${focusKey}"]`)
        || list.querySelector(`[data-user="${focusUser}"] button`);
      if (again) again.focus(); else dlg.querySelector('.dialog-head button')?.focus();
    }
  };

  let loading = null;
  const load = async () => {
    if (loading) return loading;
    loading = (async () => {
      try {
        const r = await app.request({ type: 'channel.members', channel: c.id });
        ms = r.members || [];
        status.show(`${ms.length} ${ms.length === 1 ? 'member' : 'members'}`);
        render();
      } catch (e) {
        status.show('');
        alert.show(`Couldn’t load members: ${errText(e)}`);
      } finally {
        loading = null;
      }
    })();
    return loading;
  };

  let reloadTimer = null;
  unsubs.push(app.on('members', (id) => {
    if (id !== c.id) return;
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(load, 150);
  }));
  unsubs.push(app.on('channel', (id) => { if (id === c.id) render(); }));
  unsubs.push(app.on('removed', (id) => { if (id === c.id) dlg.close(); }));
  status.show('Loading members…');
  await load();
}

// ------------------------------------------------------------ channel settings (moderators)

export function channelSettings(app, c0) {
  if (!c0) return;
  const id = c0.id;
  const ch = () => app.channel(id) || c0;
  const alert = alertLine();
  const saved = noteLine();
  const nameId = nextId('name');
  const topicId = nextId('topic');
  const name = h('input', { id: nameId, class: 'input', type: 'text', required: true, maxlength: '64', autocomplete: 'off',
    spellcheck: 'false', 'aria-describedby': `${nameId}-help` });
  const topic = h('input', { id: topicId, class: 'input', type: 'text', maxlength: '250', autocomplete: 'off' });
  const access = radioGroup('Who can join', 'access', [
    ['open', 'Open', ACCESS_HELP.open],
    ['request', 'Request to join', ACCESS_HELP.request],
    ['invite', 'Invite only', ACCESS_HELP.invite],
  ], c0.access);
  name.addEventListener('input', () => {
    const v = name.value.toLowerCase().replace(/\s+/g, '-').replace(/[^a-z0-9-]/g, '');
    if (v !== name.value) name.value = v;
  });
  let dirty = false;
  const fill = () => {
    const c = ch();
    name.value = c.name || '';
    topic.value = c.topic || '';
    const r = access.querySelector(`input[value="${c.access}"]`);
    if (r) r.checked = true;
    dirty = false;
  };
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save changes');
  const archivedNote = h('p', { class: 'hint' });
  const fields = h('fieldset', { class: 'plain-fieldset' },
    h('legend', { class: 'sr-only' }, 'Name, topic and who can join'),
    h('div', { class: 'stack' },
      h('div', { class: 'field' },
        h('label', { for: nameId }, 'Name'),
        name,
        h('p', { id: `${nameId}-help`, class: 'hint' }, 'Lowercase letters, numbers and hyphens.')),
      h('div', { class: 'field' }, h('label', { for: topicId }, 'Topic'), topic),
      access));
  const form = h('form', { class: 'stack', novalidate: true },
    archivedNote, fields, alert, saved,
    h('div', { class: 'dialog-actions' }, save));
  form.addEventListener('input', () => { dirty = true; saved.show(''); });
  form.addEventListener('change', () => { dirty = true; });

  const archiveAlert = alertLine();
  const archiveHelp = h('p', { class: 'hint' });
  const archiveBtn = h('button', { type: 'button', class: 'btn btn-secondary' });
  const archiveSection = h('section', { class: 'stack settings-section', 'aria-labelledby': `${nameId}-arch` },
    h('h3', { id: `${nameId}-arch`, class: 'section-title' }, 'Archive'),
    archiveHelp, archiveAlert,
    h('div', { class: 'dialog-actions' }, archiveBtn));

  const unsubs = [];
  const dlg = openDialog({
    title: `Channel settings for #${c0.name}`,
    className: 'dialog-wide',
    content: [form, archiveSection],
    onClose: () => unsubs.forEach((u) => u()),
  });
  const titleEl = dlg.querySelector('.dialog-title');

  const renderState = () => {
    const c = ch();
    titleEl.textContent = `Channel settings for #${c.name}`;
    const archived = Boolean(c.archived);
    fields.disabled = archived;
    save.disabled = archived;
    archivedNote.textContent = archived ? 'This channel is archived. Unarchive it below to change its settings or post again.' : '';
    archivedNote.hidden = !archived;
    archiveHelp.textContent = archived
      ? 'Unarchiving reopens the channel: members can post again.'
      : 'Archiving makes the channel read-only: members keep its history, but nobody can post, edit, join or be invited until it is unarchived.';
    archiveBtn.textContent = archived ? 'Unarchive channel' : 'Archive channel';
    archiveBtn.className = `btn ${archived ? 'btn-primary' : 'btn-danger'}`;
  };
  fill();
  renderState();

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    alert.show('');
    saved.show('');
    const c = ch();
    if (!/^[a-z0-9-]{1,64}$/.test(name.value)) {
      alert.show('Give the channel a name: lowercase letters, numbers and hyphens.');
      name.focus();
      return;
    }
    const msg = { type: 'channel.update', channel: id };
    const tier = access.querySelector('input:checked')?.value;
    if (name.value !== c.name) msg.name = name.value;
    if (topic.value.trim() !== (c.topic || '')) msg.topic = topic.value.trim();
    if (tier && tier !== c.access) msg.access = tier;
    if (Object.keys(msg).length === 2) { saved.show('Nothing to save: no changes.'); return; }
    save.disabled = true;
    try {
      await app.request(msg);
      dirty = false;
      app.updateChannel({ id, ...(msg.name ? { name: msg.name } : {}), ...('topic' in msg ? { topic: msg.topic } : {}), ...(msg.access ? { access: msg.access } : {}) });
      saved.show('Saved. Everyone in the channel sees the change now.');
    } catch (ex) {
      alert.show(ex.code === 'conflict' ? `A channel called “${msg.name}” already exists. Pick another name.` : `Couldn’t save: ${errText(ex)}`);
    } finally {
      save.disabled = Boolean(ch().archived);
    }
  });

  archiveBtn.addEventListener('click', async () => {
    archiveAlert.show('');
    const c = ch();
    const archive = !c.archived;
    if (archive) {
      const ok = await confirmDialog({
        title: `Archive #${c.name}?`,
        message: 'Nobody will be able to post in it until it is unarchived. Its history stays readable for members.',
        confirmLabel: 'Archive',
        danger: true,
      });
      if (!ok) return;
    }
    archiveBtn.disabled = true;
    try {
      await app.request({ type: 'channel.archive', channel: id, archived: archive });
      app.updateChannel({ id, archived: archive });
      saved.show(archive ? `#${c.name} is archived.` : `#${c.name} is open for posting again.`);
    } catch (ex) {
      archiveAlert.show(`Couldn’t ${archive ? 'archive' : 'unarchive'} the channel: ${errText(ex)}`);
    } finally {
      archiveBtn.disabled = false;
      archiveBtn.focus();
    }
  });

  unsubs.push(app.on('channel', (cid) => {
    if (cid !== id) return;
    const c = app.channel(id);
    if (!c || !['owner', 'moderator'].includes(c.role)) {
      dlg.close();
      return;
    }
    if (!dirty) fill();
    renderState();
  }));
  unsubs.push(app.on('removed', (cid) => { if (cid === id) dlg.close(); }));
}

// ------------------------------------------------------------ moderators

export async function joinRequests(app, c) {
  if (!c) return;
  const alert = alertLine();
  const status = noteLine();
  const list = h('ul', { class: 'request-list', 'aria-label': 'Join requests' });
  openDialog({ title: `Join requests for #${c.name}`, className: 'dialog-wide', content: [status, alert, list] });
  status.show('Loading requests…');
  let reqs = [];
  const render = () => {
    clear(list);
    if (!reqs.length) { list.append(h('li', { class: 'browse-empty' }, 'No pending requests.')); return; }
    for (const r of reqs) {
      const u = typeof r.user === 'object' && r.user ? r.user : { id: r.user, name: r.name || `user ${r.user}` };
      const decide = async (approve, btn) => {
        alert.show('');
        btn.disabled = true;
        try {
          await app.request({ type: 'channel.decide', channel: c.id, user: u.id, approve });
          reqs = reqs.filter((x) => x !== r);
          app.setRequesters(c.id, reqs.map((x) => (typeof x.user === 'object' && x.user ? x.user.id : x.user)));
          render();
          status.show(approve ? `Approved ${userName(u)}. They’re now a member.` : `Declined ${userName(u)}’s request.`);
          list.querySelector('button')?.focus();
        } catch (e) {
          btn.disabled = false;
          alert.show(`Couldn’t decide: ${errText(e)}`);
        }
      };
      const approveBtn = h('button', { type: 'button', class: 'btn btn-primary btn-small', 'aria-label': `Approve ${userName(u)}` }, 'Approve');
      const declineBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `Decline ${userName(u)}` }, 'Decline');
      approveBtn.addEventListener('click', () => decide(true, approveBtn));
      declineBtn.addEventListener('click', () => decide(false, declineBtn));
      list.append(h('li', { class: 'request-item' },
        h('div', { class: 'request-info' },
          h('p', { class: 'person-name' }, userName(u), r.ts ? h('span', { class: 'hint' }, ` · asked ${formatTime(r.ts)}`) : null),
          r.note ? h('blockquote', { class: 'request-note' }, r.note) : h('p', { class: 'hint' }, 'No note.')),
        h('div', { class: 'browse-actions' }, declineBtn, approveBtn)));
    }
  };
  try {
    const r = await app.request({ type: 'channel.requests', channel: c.id });
    reqs = r.requests || [];
    app.setRequesters(c.id, reqs.map((x) => (typeof x.user === 'object' && x.user ? x.user.id : x.user)));
    status.show(`${reqs.length} pending ${reqs.length === 1 ? 'request' : 'requests'}`);
    render();
  } catch (e) {
    status.show('');
    alert.show(`Couldn’t load requests: ${errText(e)}`);
  }
}
