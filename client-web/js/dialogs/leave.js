// Leaving a channel or a conversation, said plainly before it happens: how
// to come back, what the others see, and, for the only owner of a channel
// with members, choosing who looks after it next.
import { h, nextId } from '../dom.js';
import { openDialog, alertLine, confirmDialog } from '../dialog.js';
import { state, emit, isMe, channelName } from '../state.js';
import * as net from '../net.js';
import * as channels from '../channels.js';
import * as people from '../people.js';
import { authorName } from '../util.js';
import { errText } from './common.js';

const COME_BACK = {
  open: 'You can join again any time from Browse channels.',
  request: 'To come back you’ll need to ask to join again and wait for a moderator to say yes.',
  invite: 'To come back a moderator will need to invite you again.',
};

async function leaveNow(c) {
  try {
    await channels.leave(c);
  } catch (e) {
    emit('alert', `Couldn’t leave: ${errText(e)}`);
  }
}

export async function leaveChannel(c) {
  if (!c) return;
  if (c.kind === 'dm') { await leaveConversation(c); return; }
  if (c.role === 'owner' && (c.member_count ?? 2) > 1) {
    let list;
    try {
      list = await people.members(c.id, { force: true });
    } catch (e) {
      emit('alert', `Couldn’t check who else runs this channel: ${errText(e)}`);
      return;
    }
    const others = list.filter((m) => !isMe(m));
    if (others.length && !list.some((m) => m.role === 'owner' && !isMe(m))) {
      handOver(c, others);
      return;
    }
  }
  const ok = await confirmDialog({
    title: `Leave #${channelName(c)}?`,
    message: COME_BACK[c.access] || COME_BACK.invite,
    confirmLabel: 'Leave',
    danger: true,
  });
  if (ok) await leaveNow(c);
}

async function leaveConversation(c) {
  const others = people.dmOthers(c.id).filter((u) => !isMe(u));
  const one = others.length === 1 ? authorName(others[0]) : null;
  const ok = await confirmDialog({
    title: 'Leave this conversation?',
    message: one
      ? `${one} will see that you left, and new messages here won’t reach you. Either of you can open this conversation again later (New direct message), with its history.`
      : 'The others will see that you left, and new messages here won’t reach you. Anyone in it can bring you back by opening it again, and so can you (New direct message).',
    confirmLabel: 'Leave',
    danger: true,
  });
  if (ok) await leaveNow(c);
}

// The only owner of a channel with other members picks the next owner first.
function handOver(c, others) {
  const alert = alertLine();
  const id = nextId('owner');
  const name = channelName(c);
  const rank = { moderator: 0, member: 1 };
  const sorted = [...others].sort((a, b) => (rank[a.role] ?? 2) - (rank[b.role] ?? 2)
    || authorName(state.people.get(a.id)).localeCompare(authorName(state.people.get(b.id))));
  const select = h('select', { id, class: 'input', 'aria-describedby': `${id}-hint` },
    sorted.map((m) => {
      const u = state.people.get(m.id) || m;
      return h('option', { value: String(m.id) }, `${authorName(u)}${m.role === 'moderator' ? ' (moderator)' : ''}`);
    }));
  const submit = h('button', { type: 'submit', class: 'btn btn-danger' }, 'Make owner and leave');
  const form = h('form', { class: 'stack', novalidate: true },
    h('p', { id: `${id}-why` }, `You’re the only owner of #${name}. Before you go, choose someone to look after it: they become its owner and can change its settings, members and roles.`),
    h('div', { class: 'field' },
      h('label', { for: id }, 'New owner'),
      select,
      h('p', { id: `${id}-hint`, class: 'hint' }, COME_BACK[c.access] || COME_BACK.invite)),
    alert,
    h('div', { class: 'dialog-actions' },
      h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => dlg.close() }, 'Cancel'),
      submit));
  const dlg = openDialog({ title: `Leave #${name}?`, className: 'dialog-small', content: form, describedBy: `${id}-why` });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    alert.show('');
    const user = Number(select.value);
    const who = authorName(state.people.get(user));
    submit.disabled = true;
    try {
      await net.request({ type: 'channel.role', channel: c.id, user, role: 'owner' });
    } catch (ex) {
      alert.show(`Couldn’t make ${who} the owner: ${errText(ex)}`);
      submit.disabled = false;
      return;
    }
    try {
      await channels.leave(c);
      dlg.close();
      emit('notice', `${who} now owns #${name}, and you left it.`);
    } catch (ex) {
      alert.show(`${who} is now an owner, but leaving didn’t work: ${errText(ex)}`);
      submit.disabled = false;
    }
  });
}
