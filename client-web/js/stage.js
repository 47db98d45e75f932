// Live sessions and moderation (issue 15): the live session of each channel
// (channel objects carry `session`, and with one live `queue` and `floor`),
// the queue frames, session and mute events, my own mutes, reports for
// moderators, the "N confidential messages were erased" notes, and the
// requests (start, end, hands, floor, rounds, reports, mutes, the log).
//
// Changes announced: stage chId (its session, queue, floor, my mute or its
// erased note changed), reports chId (the reports a moderator holds),
// modlog chId (a moderator acted: a session started or ended, a mute).
import { state, emit, isMe } from './state.js';
import * as net from './net.js';

const erased = new Map(); // channel id -> {count, ts}: the last session's erasure, shown until I leave the channel
const mutes = new Map(); // channel id -> until (ms) of my own mute
const reports = new Map(); // channel id -> Map(report id -> report)

export const session = (chId) => state.channels.get(chId)?.session || null;
export const queue = (chId) => (session(chId) ? state.channels.get(chId).queue || [] : []);
export const floor = (chId) => (session(chId) ? state.channels.get(chId).floor || null : null);
export const erasedNote = (chId) => erased.get(chId) || null;
export const handRaised = (chId) => queue(chId).some((u) => isMe(u));
export const hasFloor = (chId) => isMe(floor(chId)?.user);

// My mute in chId: its end in ms, or 0.
export function mutedUntil(chId) {
  const mine = state.channels.get(chId)?.muted_until;
  const until = mutes.get(chId) ?? (mine ? Date.parse(mine) : 0);
  return until > Date.now() ? until : 0;
}

// The `queue` frame: the whole queue and floor as they now are.
export function queueFrame(f) {
  const c = state.channels.get(f.channel);
  if (!c) return;
  c.queue = f.queue || [];
  c.floor = f.floor || null;
  emit('stage', f.channel);
}

// session and mute events.
export function event(chId, f) {
  const c = state.channels.get(chId);
  if (!c) return;
  if (f.kind === 'session' && f.session) {
    if (f.session.state === 'live') {
      c.session = f.session;
      c.queue = [];
      c.floor = null;
      erased.delete(chId);
    } else if (c.session && c.session.id === f.session.id) {
      c.session = null;
      delete c.queue;
      delete c.floor;
      if (f.session.confidential) erased.set(chId, { count: f.session.erased || 0, title: f.session.title });
    }
    emit('channel', chId);
  } else if (f.kind === 'mute' && isMe(f.user)) {
    mutes.set(chId, f.until ? Date.parse(f.until) : 0); // 0: unmuted (over what welcome said)
  }
  emit('stage', chId);
  emit('modlog', chId);
}

// A refusal that says "muted until …" teaches us our mute (after a reload).
export function learnMute(chId, message) {
  const m = /^muted until (\S+)/.exec(message || '');
  if (m && Date.parse(m[1])) {
    mutes.set(chId, Date.parse(m[1]));
    emit('stage', chId);
  }
}

export function forgetErased(chId) {
  if (erased.delete(chId)) emit('stage', chId);
}

// ---------------------------------------------------------------- requests (each rejects with a RequestError)

export const start = (chId, { title, confidential, floorMode }) =>
  net.request({ type: 'session.start', channel: chId, title, confidential, mode: floorMode ? 'floor' : 'open' });
export const end = (chId) => net.request({ type: 'session.end', channel: chId });
export const raise = (chId) => net.request({ type: 'hand.raise', channel: chId });
export const lower = (chId, user) => net.request({ type: 'hand.lower', channel: chId, ...(user ? { user } : {}) });
export const give = (chId, user, seconds) => net.request({ type: 'floor.give', channel: chId, user, ...(seconds ? { seconds } : {}) });
export const next = (chId, seconds) => net.request({ type: 'floor.next', channel: chId, ...(seconds ? { seconds } : {}) });
export const clearFloor = (chId) => net.request({ type: 'floor.clear', channel: chId });
export const round = (chId, order) => net.request({ type: 'session.round', channel: chId, order });
export const mute = (chId, user, seconds, reason) =>
  net.request({ type: 'channel.mute', channel: chId, user, seconds, ...(reason ? { reason } : {}) });
export const ban = (chId, user) => net.request({ type: 'channel.remove', channel: chId, user, ban: true });
export const report = (chId, id, reason) => net.request({ type: 'report', channel: chId, id, reason });
export const modlog = (chId, before) => net.request({ type: 'channel.modlog', channel: chId, ...(before ? { before } : {}) });

// ---------------------------------------------------------------- reports (moderators)

export const reportsOf = (chId) => [...(reports.get(chId) || new Map()).values()]
  .sort((a, b) => (a.state === b.state ? b.id - a.id : a.state === 'open' ? -1 : 1));

function keepReport(r) {
  if (!reports.has(r.channel)) reports.set(r.channel, new Map());
  reports.get(r.channel).set(r.id, r);
}

// A report filed or resolved in a channel I moderate.
export function reportFrame(f) {
  if (!f.report) return;
  const fresh = !reports.get(f.report.channel)?.has(f.report.id);
  keepReport(f.report);
  emit('reports', f.report.channel);
  if (fresh && f.report.state === 'open') {
    const c = state.channels.get(f.report.channel);
    emit('notice', {
      text: `A message in #${c ? c.name : 'a channel'} was reported.`,
      action: { label: 'Review reports', run: () => emit('show-reports', f.report.channel) },
    });
  }
}

export async function loadReports(chId) {
  const r = await net.request({ type: 'channel.reports', channel: chId });
  reports.set(chId, new Map());
  for (const x of r.reports || []) keepReport({ ...x, channel: x.channel ?? chId });
  emit('reports', chId);
}

export async function resolve(chId, id, action) {
  await net.request({ type: 'report.resolve', channel: chId, report: id, action });
}

export function reset() {
  erased.clear();
  mutes.clear();
  reports.clear();
}
