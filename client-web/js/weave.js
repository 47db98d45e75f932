// Weaving (issue 17): whether I am a weaver (or an admin: both see network
// health), the introductions I proposed or am one of (intro.list at start,
// then the live `intro` frames), and the answers I give. Views listen to
// 'weaver' and 'intros'.
import { state, on, emit } from './state.js';
import * as net from './net.js';

export const weave = { weaver: false, intros: [], loaded: false };

// Introductions waiting for my answer.
export const waiting = () => weave.intros.filter((i) => i.other && i.state === 'pending' && i.answer == null);
export const canSeeHealth = () => Boolean(state.me && (state.me.admin || weave.weaver));

export async function loadIntros() {
  try {
    const r = await net.request({ type: 'intro.list' });
    weave.intros = r.intros || [];
    weave.loaded = true;
    emit('intros');
  } catch {
    // Shown as nothing waiting; the next connection asks again.
  }
}

async function loadMe() {
  try {
    const r = await net.request({ type: 'user.get', user: state.me.id });
    weave.weaver = Boolean(r.user?.weaver);
    emit('weaver');
  } catch {
    // Not a weaver as far as this page knows.
  }
}

// {"type":"intro"}: a new introduction for me, or news of one I proposed.
export function introFrame(f) {
  const i = f.intro;
  if (!i || typeof i.id !== 'number') return;
  const old = weave.intros.find((x) => x.id === i.id);
  if (old) Object.assign(old, i);
  else weave.intros.unshift({ answer: null, ...i });
  emit('intros');
  if (!old && i.other) emit('notice', `${i.by?.display || i.by?.name || 'Someone'} introduced you to ${i.other.display || i.other.name}. See Introductions.`);
  if (old && !i.other && i.state === 'declined') emit('notice', 'An introduction you proposed was declined.');
}

export async function answer(id, accept) {
  await net.request({ type: 'intro.answer', intro: id, accept });
  const i = weave.intros.find((x) => x.id === id);
  if (i) i.answer = accept;
  emit('intros');
}

export async function propose(a, b, note) {
  await net.request({ type: 'intro.propose', a, b, note });
}

export function notifySent(a, b) {
  emit('notice', `Introduction sent to ${a.display || a.name} and ${b.display || b.name}. You’ll hear if it is declined.`);
}

export function init() {
  on('session', ({ signedIn }) => {
    weave.weaver = false;
    weave.intros = [];
    weave.loaded = false;
    if (!signedIn) emit('intros');
  });
  // My profile changed (an admin made me a weaver, or not): at once.
  on('people', (ids) => {
    const mine = state.me && ids.includes(state.me.id) ? state.people.get(state.me.id) : null;
    if (mine && typeof mine.weaver === 'boolean' && mine.weaver !== weave.weaver) {
      weave.weaver = mine.weaver;
      emit('weaver');
    }
  });
  // Each (re)connection: what may have changed while away.
  on('conn', (s) => {
    if (s !== 'live' || !state.me) return;
    loadIntros();
    loadMe();
  });
}
