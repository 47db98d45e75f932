// Showing one message: scrolled into view, focused and highlighted for a
// moment (without motion when the reader asks for less), for links to a
// message and the jump to the first unread one.
import { on, state, channelData } from '../state.js';
import * as permalink from '../permalink.js';

const reduced = () => matchMedia('(prefers-reduced-motion: reduce)').matches;

export function flash(el, { highlight = true } = {}) {
  el.scrollIntoView({ block: 'center', behavior: reduced() ? 'auto' : 'smooth' });
  el.focus({ preventScroll: true });
  if (!highlight) return;
  el.classList.remove('flash');
  void el.offsetWidth; // restart the highlight when shown twice
  el.classList.add('flash');
  clearTimeout(el.flashTimer);
  el.flashTimer = setTimeout(() => el.classList.remove('flash'), 3000);
}

export function init() {
  on('reveal', ({ channel, id }) => {
    if (channel !== state.current) return;
    const el = channelData(channel).els.get(`m${id}`);
    if (el) flash(el);
  });
  // A link opened: follow it once its channel is on screen and loaded.
  on('session', ({ signedIn }) => { if (signedIn) state.wantMessage = permalink.routeMessage(); });
  on('messages', ({ id, latest }) => { if (latest && state.wantMessage?.channel === id) permalink.follow(); });
  on('opened', () => permalink.follow());
  window.addEventListener('hashchange', permalink.onHashChange);
}
