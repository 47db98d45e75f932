// Links to a message: #/c/CHANNEL/m/ID, the channel route (channels.js)
// with the message after it. Opening one opens the channel, pages its
// history back to the message (or opens the thread it is a reply in), and
// asks the view to scroll to it and highlight it.
import { state, emit, channelData } from './state.js';
import * as messages from './messages.js';
import * as threads from './threads.js';

export const linkTo = (chId, id) => `${location.origin}${location.pathname}#/c/${chId}/m/${id}`;

export function routeMessage(hash = location.hash) {
  const m = /^#\/c\/(\d+)\/m\/(\d+)$/.exec(hash);
  return m ? { channel: Number(m[1]), id: Number(m[2]) } : null;
}

export async function copy(chId, id) {
  const url = linkTo(chId, id);
  try {
    await navigator.clipboard.writeText(url);
    emit('notice', 'Link copied.');
  } catch {
    // No clipboard here (an insecure context, a denied permission): show it.
    emit('notice', `Link to this message: ${url}`);
  }
}

// Called once the link's channel is open and the connection ready.
export async function reveal(chId, id) {
  const d = channelData(chId);
  if (!d.msgs.has(id)) {
    // A reply, or a message older than what is shown: the thread history
    // tells which (its first message is the root).
    const root = await threads.load(chId, id);
    if (state.current !== chId) return;
    if (root === null) { emit('notice', 'That message was deleted or can’t be shown.'); return; }
    if (root !== id) {
      emit('panel', { kind: 'thread', channel: chId, root, reveal: id });
      return;
    }
    // A page or two back is paged to; further, a window of history around
    // the message is loaded (before and after it), leaving out what lies
    // between it and the newer messages until asked for.
    const found = (await messages.reach(chId, id, 2)) || (state.current === chId && await messages.around(chId, id));
    if (state.current !== chId) return;
    if (!found) { emit('notice', 'That message was deleted or can’t be shown.'); return; }
  } else if (d.msgs.get(id).thread) {
    emit('panel', { kind: 'thread', channel: chId, root: d.msgs.get(id).thread, reveal: id });
    return;
  }
  emit('reveal', { channel: chId, id });
}

// A link opened while signed in (hashchange) or at start (the route is kept
// in state.wantMessage until the channel is open).
export function follow() {
  const want = state.wantMessage;
  if (!want || state.current !== want.channel || !channelData(want.channel).loaded) return;
  state.wantMessage = null;
  // The address goes back to the plain channel route: back and reload work.
  history.replaceState(null, '', `#/c/${want.channel}`);
  reveal(want.channel, want.id);
}

export function onHashChange() {
  const r = routeMessage();
  if (!r || !state.me) return;
  // channels.js opens the channel (the route names it); the message follows.
  state.wantMessage = r;
  follow();
}
