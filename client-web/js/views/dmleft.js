// A direct message someone left: say so above the message box (new
// messages would not reach them) and offer to bring them back, which opens
// the same conversation again with everyone in it.
import { $ } from '../dom.js';
import { state, on, emit } from '../state.js';
import * as people from '../people.js';
import { openConversation } from '../dialogs/newdm.js';
import { authorName } from '../util.js';
import { errText } from '../dialogs/common.js';

let shownFor = null;

function render() {
  const c = state.channels.get(state.current);
  const gone = c && c.kind === 'dm' ? people.dmLeft(c.id) : [];
  const text = $('dm-left-text');
  const btn = $('dm-reopen');
  if (!gone.length) {
    text.textContent = '';
    btn.hidden = true;
    shownFor = null;
    return;
  }
  const names = gone.map((u) => authorName(u));
  const who = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  const msg = `${who} left this conversation. New messages here won’t reach ${names.length === 1 ? 'them' : 'those who left'}.`;
  if (text.textContent !== msg) text.textContent = msg;
  btn.textContent = names.length === 1 ? `Invite ${names[0]} back` : 'Invite them back';
  btn.hidden = false;
  shownFor = c.id;
}

async function reopen() {
  const c = state.channels.get(shownFor);
  if (!c) return;
  const btn = $('dm-reopen');
  btn.disabled = true;
  try {
    await openConversation(people.dmOthers(c.id));
    await people.members(c.id, { force: true });
    render();
    if (!btn.hidden) return;
    emit('focus', 'composer');
  } catch (e) {
    emit('alert', `Couldn’t bring them back: ${errText(e)}`);
  } finally {
    btn.disabled = false;
  }
}

export function init() {
  $('dm-reopen').addEventListener('click', reopen);
  on('current', render);
  on('people', () => { if (state.current) render(); });
  on('members', (id) => { if (id === state.current) render(); });
  on('session', ({ signedIn }) => { if (!signedIn) render(); });
}
