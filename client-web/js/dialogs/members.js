// The members of a channel; for moderators also inviting people, changing
// roles and removing members. It follows joins, leaves and role changes live.
import { h, clear } from '../dom.js';
import { openDialog, alertLine, noteLine, confirmDialog } from '../dialog.js';
import { state, on, putUser } from '../state.js';
import * as people from '../people.js';
import * as net from '../net.js';
import { cap, isModerator } from '../util.js';
import { errText, userName, personInfo } from './common.js';
import { peopleSearch, openDm } from './people.js';
import { menuButton } from '../views/menu.js';

const ROLE_ACTIONS = [['member', 'Make member'], ['moderator', 'Make moderator'], ['owner', 'Make owner']];
const ROLE_DONE = { owner: 'an owner', moderator: 'a moderator', member: 'a member' };

function inviteSection(c) {
  const invited = noteLine();
  return [h('h3', { class: 'section-title' }, 'Invite people'), invited,
    ...peopleSearch({
      label: 'Find people to invite',
      actionLabel: 'Invite',
      onPick: async (u, btn, a) => {
        try {
          await net.request({ type: 'channel.invite', channel: c.id, user: u.id });
          btn.disabled = true;
          btn.textContent = 'Invited';
          invited.show(`${userName(u)} is invited. They can accept from their channel list.`);
        } catch (e) {
          a.show(`Couldn’t invite ${userName(u)}: ${errText(e)}`);
        }
      },
    })];
}

// What a moderator may do to one member; ui: {c, act, alert, dlg}.
async function removeMember(m, ui) {
  const ch = state.channels.get(ui.c.id) || ui.c;
  const ok = await confirmDialog({
    title: `Remove ${userName(m)} from #${ch.name}?`,
    message: ch.access === 'open'
      ? 'They stop receiving its messages at once. Since the channel is open, they can join again from Browse channels.'
      : 'They stop receiving its messages at once. To come back they would need to ask again or be invited.',
    confirmLabel: 'Remove',
    danger: true,
  });
  if (!ok) return;
  await ui.act(`${userName(m)} was removed from #${ch.name}.`, { type: 'channel.remove', channel: ui.c.id, user: m.id });
}

const MUTE_FOR = [['10 minutes', 600], ['1 hour', 3600], ['1 day', 86400], ['Unmute', 0]];

async function banMember(m, ui) {
  const ch = state.channels.get(ui.c.id) || ui.c;
  const ok = await confirmDialog({
    title: `Ban ${userName(m)} from #${ch.name}?`,
    message: 'They are removed at once and cannot join again, ask to join or be invited until a moderator unbans them. The moderation log shows it to every member.',
    confirmLabel: 'Ban',
    danger: true,
  });
  if (ok) await ui.act(`${userName(m)} was banned from #${ch.name}.`, { type: 'channel.remove', channel: ui.c.id, user: m.id, ban: true });
}

async function setRole(m, role, ui) {
  if (role === 'owner') {
    const ok = await confirmDialog({
      title: `Make ${userName(m)} an owner?`,
      message: 'Owners can do everything you can: change roles, edit and archive the channel, and remove moderators.',
      confirmLabel: 'Make owner',
    });
    if (!ok) return;
  }
  await ui.act(`${userName(m)} is now ${ROLE_DONE[role]}.`, { type: 'channel.role', channel: ui.c.id, user: m.id, role });
}

function memberRow(m, ui) {
  const mine = state.channels.get(ui.c.id)?.role;
  const me = m.id === state.me.id;
  const actions = h('div', { class: 'person-actions' });
  const btn = (text, label, key, onclick, cls = 'btn-secondary') => actions.append(h('button', {
    type: 'button', class: `btn ${cls} btn-small`, 'aria-label': label, 'data-key': `${m.id}:${key}`, onclick,
  }, text));
  if (!me) btn('Message', `Message ${userName(m)}`, 'dm', () => openDm(m, ui.dlg, ui.alert));
  if (isModerator({ role: mine }) && ui.c.kind !== 'dm' && !me) {
    if (mine === 'owner') {
      for (const [role, text] of ROLE_ACTIONS) {
        if (role !== m.role) btn(text, `${text}: ${userName(m)}`, role, () => setRole(m, role, ui));
      }
    }
    if (m.role !== 'owner' && (m.role !== 'moderator' || mine === 'owner')) {
      // Mute (issue 15): a menu of how long.
      actions.append(menuButton({ class: 'btn btn-secondary btn-small member-mute', 'aria-label': `Mute ${userName(m)}`, 'data-key': `${m.id}:mute` },
        'Mute', () => MUTE_FOR.map(([label, seconds]) => ({ label, run: () => ui.act(seconds ? `${userName(m)} is muted for ${label}.` : `${userName(m)} is unmuted.`,
          { type: 'channel.mute', channel: ui.c.id, user: m.id, seconds }) })), { label: `Mute ${userName(m)}` }));
      btn('Remove', `Remove ${userName(m)}`, 'remove', () => removeMember(m, ui), 'btn-danger-quiet');
      btn('Ban', `Ban ${userName(m)}`, 'ban', () => banMember(m, ui), 'btn-danger-quiet');
    }
  }
  return h('li', { class: 'person', 'data-user': String(m.id) },
    personInfo(m, { me, presence: true, card: true, tags: [m.role && m.role !== 'member' ? cap(m.role) : null] }),
    actions.firstChild ? actions : null);
}

// Draws the list again, keeping focus on the same button (or person).
function renderList(list, ms, ui) {
  const focusKey = list.contains(document.activeElement) ? document.activeElement.dataset.key : null;
  const focusUser = focusKey ? focusKey.split(':')[0] : null;
  clear(list);
  for (const m of ms) list.append(memberRow(m, ui));
  if (focusKey) {
    const again = list.querySelector(`[data-key="${focusKey}"]`)
      || list.querySelector(`[data-user="${focusUser}"] .person-actions button`);
    if (again) again.focus(); else ui.dlg.querySelector('.dialog-head button')?.focus();
  }
}

export async function members(c) {
  if (!c) return;
  const alert = alertLine();
  const status = noteLine();
  const done = noteLine();
  const list = h('ul', { class: 'people-list', 'aria-label': 'Members' });
  const content = [status, done, alert, list];
  if (isModerator(state.channels.get(c.id)) && c.kind !== 'dm') content.push(...inviteSection(c));
  const unsubs = [];
  const dlg = openDialog({
    title: c.kind === 'dm' ? 'People in this conversation' : `Members of #${c.name}`,
    content,
    onClose: () => { unsubs.forEach((u) => u()); people.unwatch('panel'); },
  });
  let ms = [];
  let loading = null;
  const render = () => renderList(list, ms, ui);
  const load = () => {
    loading ||= (async () => {
      try {
        const r = await net.request({ type: 'channel.members', channel: c.id });
        ms = r.members || [];
        // Who is online now comes with the list; changes come while it is open.
        for (const m of ms) putUser({ id: m.id, name: m.name, display: m.display, ...(typeof m.online === 'boolean' ? { online: m.online } : {}) });
        people.watch('panel', ms.map((m) => m.id));
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
  const ui = {
    c, dlg, alert,
    async act(what, req) {
      alert.show('');
      done.show('');
      try {
        await net.request(req);
        done.show(what);
        await load();
      } catch (e) {
        alert.show(errText(e));
      }
    },
  };
  let reloadTimer = null;
  unsubs.push(on('members', (id) => {
    if (id !== c.id) return;
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(load, 150);
  }));
  unsubs.push(on('channel', (id) => { if (id === c.id) render(); }));
  unsubs.push(on('removed', (id) => { if (id === c.id) dlg.close(); }));
  status.show('Loading members…');
  await load();
}
