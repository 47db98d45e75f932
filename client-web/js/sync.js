// Turns the server's frames into state changes and announces them: welcome
// and synced (session start and resume), the live events of my channels, and
// the frames that change which channels I am in or may join.
import {
  state, emit, setLimits, bumpSeq, merged, upsertChannel, savePendingJoins, sortedChannels,
  channelLabel, isMe, channelData, putMessage, removeMessage, addUnread, updateMessage,
} from './state.js';
import * as channels from './channels.js';
import * as messages from './messages.js';
import * as outbox from './outbox.js';
import * as threads from './threads.js';
import * as convo from './convo.js';
import * as people from './people.js';
import * as weave from './weave.js';
import * as typing from './typing.js';
import * as notifications from './notify.js';
import { authorName } from './util.js';
import * as standups from './standups.js';
import * as items from './items.js';
import * as stage from './stage.js';

const ROLE_WORDS = { owner: 'an owner', moderator: 'a moderator', member: 'a member' };
const notify = (text) => emit('notice', text);

export function welcome(f) {
  state.syncing = true;
  if (f.user) state.me = { ...state.me, ...f.user };
  emit('me');
  // A first connection (since -1) replays nothing: the cursor starts here.
  if (state.helloSince === -1) bumpSeq(f.seq);
  if (f.limits && f.limits.max_body) setLimits(f.limits);
  const fresh = new Map();
  for (const c of f.channels || []) fresh.set(c.id, merged(state.channels.get(c.id) || {}, c));
  // Channels I left elsewhere disappear; their cached messages go too.
  for (const id of state.channels.keys()) if (!fresh.has(id)) state.data.delete(id);
  state.channels = fresh;
  let approved = false;
  for (const id of fresh.keys()) approved = state.pendingJoins.delete(id) || approved;
  if (approved) savePendingJoins();
  emit('channels');
  const want = state.wantChannel ?? state.current;
  state.wantChannel = null;
  if (want && state.channels.has(want)) channels.open(want, { keepFocus: true });
  else if (state.current && !state.channels.has(state.current)) emit('empty');
  else if (!state.current && state.channels.size) {
    const all = sortedChannels();
    const first = all.find((c) => c.kind !== 'dm') || all[0];
    channels.go(first.id, { replace: true });
  }
}

export function synced(f) {
  state.syncing = false;
  state.closeReason = null;
  bumpSeq(f.seq);
  // Channels cached from before a disconnect are current again; reload the
  // ones that were never loaded or were reset by a gap.
  if (state.current) {
    const d = channelData(state.current);
    if (!d.loaded && !d.loading) messages.loadLatest(state.current);
  }
  outbox.flush();
  channels.refresh();
  emit('messages', { id: state.current });
  messages.fillGaps();
  channels.labelDms();
}

export function frame(f) {
  switch (f.type) {
    case 'event': event(f); break;
    case 'gap': messages.gap(f); break;
    case 'joined':
      // Added to a channel by someone else (approval, a direct message).
      if (f.channel && typeof f.channel === 'object') {
        const isNew = !state.channels.has(f.channel.id);
        channels.add(f.channel, false);
        if (isNew && f.channel.kind === 'dm') channels.labelDms();
      }
      break;
    case 'invited':
      if (f.channel && typeof f.channel === 'object') {
        state.listed.set(f.channel.id, { ...f.channel, invited: true });
        emit('channels');
        notify(`${f.by ? authorName(f.by) : 'A moderator'} invited you to #${f.channel.name}. Accept it from the channel list.`);
      }
      break;
    case 'invite.revoked': {
      const c = state.listed.get(f.channel);
      if (c) { state.listed.set(f.channel, { ...c, invited: false }); emit('channels'); }
      break;
    }
    case 'request': requestFiled(f); break;
    case 'request.decided': requestDecided(f); break;
    case 'read': convo.readElsewhere(f); break;
    // Ephemeral: never in the log.
    case 'mention': notifications.mention(f); break;
    case 'typing': typing.frame(f); break;
    case 'presence': people.presenceFrame(f); break;
    case 'user': people.userFrame(f); break;
    // Live sessions and moderation (stage.js).
    case 'queue': stage.queueFrame(f); break;
    case 'report': stage.reportFrame(f); break;
    case 'intro': weave.introFrame(f); break; // weaving (issue 17)
    default: break;
  }
}

// A moderator hears about a new join request at once.
function requestFiled(f) {
  const c = state.channels.get(f.channel);
  if (!c) return;
  if (c.requesters && f.request?.user) c.requesters.add(f.request.user.id);
  else c.pending_requests = (c.pending_requests || 0) + 1;
  emit('requests', f.channel);
  // It stays until looked at: the channel's link keeps a count besides.
  notify({
    text: `${authorName(f.request?.user)} asked to join #${c.name}.`,
    action: { label: 'Review requests', run: () => emit('show-requests', f.channel) },
  });
}

function requestDecided(f) {
  if (!isMe(f.user)) {
    const c = state.channels.get(f.channel);
    if (c && f.user) {
      if (c.requesters) c.requesters.delete(f.user.id);
      else if (c.pending_requests) c.pending_requests -= 1;
      emit('requests', f.channel);
    }
    return;
  }
  const p = state.pendingJoins.get(f.channel) || state.listed.get(f.channel);
  state.pendingJoins.delete(f.channel);
  savePendingJoins();
  if (f.approved && f.channel_info) {
    channels.add(f.channel_info, false);
    notify(`You’re in: your request to join #${f.channel_info.name} was approved.`);
  } else if (!f.approved) {
    notify(`Your request to join ${p ? `#${p.name}` : 'a channel'} was declined.`);
  }
  emit('channels');
}

// ---------------------------------------------------------------- events

function event(f) {
  bumpSeq(f.seq);
  const chId = typeof f.channel === 'object' && f.channel ? f.channel.id : f.channel;
  const c = state.channels.get(chId);
  if (c && typeof f.seq === 'number' && f.seq > (c.last_seq || 0)) c.last_seq = f.seq;
  switch (f.kind) {
    case 'message': message(chId, { ...f.message, channel: chId, ts: f.message?.ts || f.ts }, f.root); break;
    // Wherever the message is held: the stream, a thread, the pins.
    case 'edit': if (f.message) updateMessage(chId, f.message.id, (m) => ({ ...m, ...f.message })); break;
    case 'delete':
      removeMessage(chId, f.id ?? f.message?.id);
      threads.summary(chId, f.root);
      break;
    case 'join': joined(f, chId, c); convo.memberLine(chId, f); break;
    case 'leave': convo.memberLine(chId, f); leftEvent(f, chId, c); break;
    case 'reaction': convo.reaction(chId, f); break;
    case 'pin': convo.pin(chId, f); break;
    case 'role': roleChanged(f, chId, c); break;
    case 'channel': channelChanged(f, chId); break;
    // Standups and action items (their own modules).
    case 'standup.config': case 'standup': case 'standup.answer': standups.event(chId, f); break;
    case 'item': items.event(chId, f); break;
    case 'session': case 'mute': stage.event(chId, f); break;
    default: break;
  }
}

function message(chId, m, root) {
  const mine = isMe(m.author);
  convo.remember(m.author);
  // My own message coming back settles its pending send.
  if (mine && m.client_id) outbox.delivered(m.client_id);
  const d = state.data.get(chId);
  // Replayed events only matter for channels loaded before this connection;
  // a channel loading now gets them from its history page. A message older
  // than the oldest page shown would leave a hole: paging up brings it.
  if (d && (d.loaded || (d.loading && !state.syncing))) {
    if (!(d.moreOlder && d.order.length && m.id < d.order[0])) putMessage(d, m);
  }
  // A reply: into its thread if open here; its root's count as the server says.
  if (m.thread) {
    threads.reply(chId, m);
    threads.summary(chId, root);
  }
  // The open channel's view decides whether the reader has seen it.
  if (!state.syncing && !mine && chId !== state.current) addUnread(chId);
  emit('message', { id: chId, mine, thread: m.thread || null, message: m });
}

function joined(f, chId, c) {
  if (isMe(f.user)) {
    if (state.pendingJoins.delete(chId)) savePendingJoins();
    if (!state.channels.has(chId)) {
      const known = state.listed.get(chId);
      if (known) upsertChannel({ ...known, role: f.role || 'member' });
      channels.refresh();
    } else if (f.role) {
      state.channels.get(chId).role = f.role;
    }
    emit('channels');
  } else if (c && !state.syncing) {
    c.member_count = (c.member_count || 0) + 1;
  }
  emit('members', chId);
}

function leftEvent(f, chId, c) {
  if (isMe(f.user)) {
    if (f.by && !isMe(f.by) && c) notify(`${authorName(f.by)} removed you from ${channelLabel(c)}. Its messages are no longer available to you.`);
    channels.left(chId);
    emit('removed', chId);
  } else if (c && c.member_count && !state.syncing) {
    c.member_count -= 1;
  }
  emit('members', chId);
}

function roleChanged(f, chId, c) {
  if (isMe(f.user) && c) {
    const was = c.role;
    c.role = f.role || c.role;
    if (was !== c.role) {
      if (!state.syncing && f.by) notify(`${authorName(f.by)} made you ${ROLE_WORDS[c.role] || c.role} of ${channelLabel(c)}.`);
      if (chId === state.current) channels.loadRequesters(c);
      emit('channel', chId);
    }
  }
  emit('members', chId);
}

// Renames, topic changes, archiving: the channel as it now is.
function channelChanged(f, chId) {
  const info = f.channel_info || (typeof f.channel === 'object' ? f.channel : null);
  if (!info || !state.channels.has(info.id ?? chId)) return;
  const id = info.id ?? chId;
  const wasArchived = Boolean(state.channels.get(id).archived);
  // Only the channel's own fields: never a per-user one (role, unread).
  const { role: _r, unread: _u, member_count: _m, last_seq: _l, ...own } = info;
  // Slow mode (issue 15) rides beside channel_info.
  upsertChannel({ ...own, id, ...(typeof f.slow === 'number' ? { slow: f.slow } : {}) });
  const now = state.channels.get(id);
  if (!state.syncing && f.by && !isMe(f.by) && wasArchived !== Boolean(now.archived)) {
    notify(`${authorName(f.by)} ${now.archived ? 'archived' : 'unarchived'} ${channelLabel(now)}.`);
  }
  emit('channel', id);
}
