// Standups: each channel's schedule, its open standup and the past ones with
// their answers and summaries, kept live by the standup events, and the
// requests (answer, open, close, schedule).
//
// Changes announced: standup chId (its standups or schedule changed),
// channel chId (the schedule is a field of the channel object).
import { state, emit } from './state.js';
import * as net from './net.js';

const byChannel = new Map(); // channel id -> {config, list: Map(id -> standup), open, loaded, error, more}

export function data(chId) {
  if (!byChannel.has(chId)) byChannel.set(chId, { config: null, list: new Map(), open: null, loaded: false, error: null, more: false });
  return byChannel.get(chId);
}

// Newest first.
export const standupsOf = (chId) => [...data(chId).list.values()].sort((a, b) => b.id - a.id);
export const openStandup = (chId) => {
  const d = data(chId);
  return d.open ? d.list.get(d.open) || null : null;
};

function keep(chId, s) {
  const d = data(chId);
  const had = d.list.get(s.id);
  d.list.set(s.id, { ...s, answers: s.answers || had?.answers || [] });
  if (s.state === 'open') d.open = s.id;
  else if (d.open === s.id) d.open = null;
}

function setConfig(chId, config) {
  data(chId).config = config || null;
  const c = state.channels.get(chId);
  if (c) {
    if (config) c.standup = config; else delete c.standup;
    emit('channel', chId);
  }
}

// standup.config, standup and standup.answer events.
export function event(chId, f) {
  if (f.kind === 'standup.config') setConfig(chId, f.config);
  else if (f.kind === 'standup' && f.standup) keep(chId, f.standup);
  else if (f.kind === 'standup.answer' && f.answer) {
    const s = data(chId).list.get(f.standup);
    if (s) {
      const others = (s.answers || []).filter((a) => a.user?.id !== f.answer.user?.id);
      s.answers = [...others, f.answer];
    }
  }
  emit('standup', chId);
}

// The latest page (rejects like net.request).
export async function load(chId, { older = false } = {}) {
  const d = data(chId);
  const req = { type: 'standup.list', channel: chId, limit: 10 };
  if (older && d.list.size) req.before = Math.min(...d.list.keys());
  try {
    const r = await net.request(req);
    for (const s of r.standups || []) keep(chId, s);
    if (!older) {
      d.open = r.open || null;
      setConfig(chId, r.config);
    }
    d.more = Boolean(r.more);
    d.loaded = true;
    d.error = null;
  } catch (e) {
    d.error = e.message;
  }
  emit('standup', chId);
}

export function myAnswer(s) {
  return (s.answers || []).find((a) => state.me && a.user?.id === state.me.id) || null;
}

// Each rejects with a RequestError (the view shows it).
export const answer = (chId, id, answers, blocker) =>
  net.request({ type: 'standup.answer', channel: chId, standup: id, answers, blocker });
export const openNow = (chId) => net.request({ type: 'standup.open', channel: chId });
export const closeNow = (chId) => net.request({ type: 'standup.close', channel: chId });
export const setSchedule = (chId, config) => net.request({ type: 'standup.set', channel: chId, ...config });
export const stopSchedule = (chId) => net.request({ type: 'standup.set', channel: chId, off: true });

export function reset() {
  byChannel.clear();
}
