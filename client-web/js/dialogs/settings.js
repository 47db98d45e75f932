// Channel settings for moderators: name, topic and who can join, and
// archiving. It follows the channel live and closes when I stop moderating it.
import { h } from '../dom.js';
import { openDialog, alertLine, noteLine, confirmDialog } from '../dialog.js';
import { state, on } from '../state.js';
import * as net from '../net.js';
import * as channels from '../channels.js';
import { isModerator } from '../util.js';
import { errText, accessGroup, channelFields, validChannelName, NAME_PROBLEM, conflictText } from './common.js';

const SLOW = [[0, 'Off'], [10, 'One message every 10 seconds'], [30, 'Every 30 seconds'], [60, 'Every minute'],
  [300, 'Every 5 minutes'], [900, 'Every 15 minutes']];

// The name, topic, access and slow-mode form; ch() is the channel as it now is.
function settingsForm(id, ch) {
  const alert = alertLine();
  const saved = noteLine();
  const { name, nameId, topic, topicId } = channelFields();
  const access = accessGroup(ch().access);
  // Slow mode (issue 15): seconds between two messages of a member.
  const slowId = `${nameId}-slow`;
  const slow = h('select', { id: slowId, 'aria-describedby': `${slowId}-help` },
    SLOW.map(([v, label]) => h('option', { value: String(v) }, label)));
  const f = { name, topic, access, slow, alert, saved, dirty: false };
  f.fill = () => {
    const c = ch();
    name.value = c.name || '';
    topic.value = c.topic || '';
    slow.value = String(SLOW.some(([v]) => v === (c.slow || 0)) ? c.slow || 0 : 0);
    const r = access.querySelector(`input[value="${c.access}"]`);
    if (r) r.checked = true;
    f.dirty = false;
  };
  f.save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save changes');
  f.archivedNote = h('p', { class: 'hint' });
  f.fields = h('fieldset', { class: 'plain-fieldset' },
    h('legend', { class: 'sr-only' }, 'Name, topic and who can join'),
    h('div', { class: 'stack' },
      h('div', { class: 'field' },
        h('label', { for: nameId }, 'Name'),
        name,
        h('p', { id: `${nameId}-help`, class: 'hint' }, 'Lowercase letters, numbers and hyphens.')),
      h('div', { class: 'field' }, h('label', { for: topicId }, 'Topic'), topic),
      access,
      h('div', { class: 'field' }, h('label', { for: slowId }, 'Slow mode'), slow,
        h('p', { id: `${slowId}-help`, class: 'hint' }, 'How often each member can post. Moderators are not limited.'))));
  f.form = h('form', { class: 'stack', novalidate: true },
    f.archivedNote, f.fields, alert, saved,
    h('div', { class: 'dialog-actions' }, f.save));
  f.form.addEventListener('input', () => { f.dirty = true; saved.show(''); });
  f.form.addEventListener('change', () => { f.dirty = true; });
  f.form.addEventListener('submit', (e) => { e.preventDefault(); saveSettings(id, ch, f); });
  return f;
}

async function saveSettings(id, ch, f) {
  f.alert.show('');
  f.saved.show('');
  const c = ch();
  if (!validChannelName(f.name.value)) {
    f.alert.show(NAME_PROBLEM);
    f.name.focus();
    return;
  }
  const msg = { type: 'channel.update', channel: id };
  const tier = f.access.querySelector('input:checked')?.value;
  if (f.name.value !== c.name) msg.name = f.name.value;
  if (f.topic.value.trim() !== (c.topic || '')) msg.topic = f.topic.value.trim();
  if (tier && tier !== c.access) msg.access = tier;
  if (Number(f.slow.value) !== (c.slow || 0)) msg.slow = Number(f.slow.value);
  if (Object.keys(msg).length === 2) { f.saved.show('Nothing to save: no changes.'); return; }
  f.save.disabled = true;
  try {
    await net.request(msg);
    f.dirty = false;
    channels.update({ id, ...(msg.name ? { name: msg.name } : {}), ...('topic' in msg ? { topic: msg.topic } : {}), ...(msg.access ? { access: msg.access } : {}), ...('slow' in msg ? { slow: msg.slow } : {}) });
    f.saved.show('Saved. Everyone in the channel sees the change now.');
  } catch (ex) {
    f.alert.show(ex.code === 'conflict' ? conflictText(msg.name) : `Couldn’t save: ${errText(ex)}`);
  } finally {
    f.save.disabled = Boolean(ch().archived);
  }
}

// Archiving and unarchiving; saved is the form's note line.
function archiveSection(id, ch, sectionId, saved) {
  const alert = alertLine();
  const help = h('p', { class: 'hint' });
  const btn = h('button', { type: 'button', class: 'btn btn-secondary' });
  const section = h('section', { class: 'stack settings-section', 'aria-labelledby': sectionId },
    h('h3', { id: sectionId, class: 'section-title' }, 'Archive'),
    help, alert,
    h('div', { class: 'dialog-actions' }, btn));
  btn.addEventListener('click', async () => {
    alert.show('');
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
    btn.disabled = true;
    try {
      await net.request({ type: 'channel.archive', channel: id, archived: archive });
      channels.update({ id, archived: archive });
      saved.show(archive ? `#${c.name} is archived.` : `#${c.name} is open for posting again.`);
    } catch (ex) {
      alert.show(`Couldn’t ${archive ? 'archive' : 'unarchive'} the channel: ${errText(ex)}`);
    } finally {
      btn.disabled = false;
      btn.focus();
    }
  });
  return { section, help, btn };
}

export function channelSettings(c0) {
  if (!c0) return;
  const id = c0.id;
  const ch = () => state.channels.get(id) || c0;
  const f = settingsForm(id, ch);
  const archive = archiveSection(id, ch, `${f.name.id}-arch`, f.saved);
  const unsubs = [];
  const dlg = openDialog({
    title: `Channel settings for #${c0.name}`,
    className: 'dialog-wide',
    content: [f.form, archive.section],
    onClose: () => unsubs.forEach((u) => u()),
  });
  const titleEl = dlg.querySelector('.dialog-title');
  const renderState = () => {
    const c = ch();
    titleEl.textContent = `Channel settings for #${c.name}`;
    const archived = Boolean(c.archived);
    f.fields.disabled = archived;
    f.save.disabled = archived;
    f.archivedNote.textContent = archived ? 'This channel is archived. Unarchive it below to change its settings or post again.' : '';
    f.archivedNote.hidden = !archived;
    archive.help.textContent = archived
      ? 'Unarchiving reopens the channel: members can post again.'
      : 'Archiving makes the channel read-only: members keep its history, but nobody can post, edit, join or be invited until it is unarchived.';
    archive.btn.textContent = archived ? 'Unarchive channel' : 'Archive channel';
    archive.btn.className = `btn ${archived ? 'btn-primary' : 'btn-danger'}`;
  };
  f.fill();
  renderState();
  unsubs.push(on('channel', (cid) => {
    if (cid !== id) return;
    if (!isModerator(state.channels.get(id))) {
      dlg.close();
      return;
    }
    if (!f.dirty) f.fill();
    renderState();
  }));
  unsubs.push(on('removed', (cid) => { if (cid === id) dlg.close(); }));
}
