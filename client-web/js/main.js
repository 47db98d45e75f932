// Weft web client. Plain ES modules, no framework, no build step. This file
// only wires the modules together:
//   state.js    the model, and the changes views subscribe to
//   session.js  sign-in to sign-out, and the connection (conn.js, net.js)
//   sync.js     server frames -> state changes; messages.js and channels.js
//               ask the server for pages, lists and the rest
//   outbox.js   messages waiting to be sent
//   people.js   who people are, member lists, presence.watch
//   notify.js   mention counts, browser notifications, muted channels
//   typing.js   who is typing, and telling others I am
//   search.js   message search (its panel: views/search.js)
//   stage.js    live sessions and moderation (views/stage.js, views/modlog.js)
//   views/      one module per part of the page; dialogs/ one per dialog
import { $ } from './dom.js';
import { state, on, flushSeq } from './state.js';
import * as net from './net.js';
import * as channels from './channels.js';
import * as people from './people.js';
import * as notify from './notify.js';
import * as typing from './typing.js';
import * as signin from './views/signin.js';
import * as topbar from './views/topbar.js';
import * as header from './views/header.js';
import * as composer from './views/composer.js';
import * as attach from './views/attach.js';
import * as filesPanel from './views/files.js';
import * as channel from './views/channel.js';
import * as sidebar from './views/sidebar.js';
import * as sidepanel from './views/sidepanel.js';
import * as thread from './views/thread.js';
import * as pins from './views/pins.js';
import * as unread from './views/unread.js';
import * as reveal from './views/reveal.js';
import * as person from './views/person.js';
import * as typingLine from './views/typing.js';
import * as complete from './views/complete.js';
import * as dmleft from './views/dmleft.js';
import * as keys from './views/keys.js';
import * as searchView from './views/search.js';
import * as standupPanel from './views/standup.js';
import * as itemsPanel from './views/items.js';
import * as stageBar from './views/stage.js';
import * as modlogPanel from './views/modlog.js';
import { browseChannels } from './dialogs/browse.js';
import { createChannel } from './dialogs/create.js';
import { newDirectMessage } from './dialogs/newdm.js';
import { members } from './dialogs/members.js';
import { joinRequests } from './dialogs/requests.js';
import { channelSettings } from './dialogs/settings.js';
import { peopleAdmin } from './dialogs/admin.js';
import { accountSettings } from './dialogs/account.js';
import { openProfile } from './dialogs/profile.js';
// Weaving (issue 17).
import * as weave from './weave.js';
import * as weaveView from './views/weaveview.js';
import * as intros from './views/intros.js';
import { showDirectory, fillPeers } from './views/directory.js';
import { showHealth } from './views/health.js';

// Controllers that keep state of their own hear changes before the views.
people.init();
notify.init();
typing.init();
// Views hear a change in the order they are wired here: the header and the
// composer settle their size before the log scrolls to its place.
signin.init();
topbar.init();
header.init();
composer.init();
attach.init();
filesPanel.init();
channel.init();
sidebar.init();
sidepanel.init();
thread.init();
pins.init();
unread.init();
reveal.init();
person.init();
typingLine.init();
complete.init();
dmleft.init();
keys.init();
searchView.init();
standupPanel.init();
itemsPanel.init();
stageBar.init();
modlogPanel.init();
weave.init();
weaveView.init();
intros.init();

const openChannel = () => state.channels.get(state.current);
const buttons = {
  'browse-channels': () => browseChannels(),
  'new-channel': () => createChannel(),
  'new-dm': () => newDirectMessage(),
  'show-members': () => members(openChannel()),
  'show-requests': () => joinRequests(openChannel()),
  'admin-people': () => showDirectory(),
  'intros-open': () => intros.showIntros(),
  'health-open': () => showHealth(),
  'user-settings': () => accountSettings(),
  // The first-run page points to the same places.
  'first-new-channel': () => createChannel(),
  'first-browse': () => browseChannels(),
  'first-people': () => peopleAdmin(),
  'first-dm': () => newDirectMessage(),
};
for (const [id, fn] of Object.entries(buttons)) $(id).addEventListener('click', fn);
on('profile', openProfile);
// Network health is for admins and weavers.
const healthButton = () => { $('health-open').hidden = !weave.canSeeHealth(); };
on('weaver', healthButton);
on('me', healthButton);
// The first-run page suggests people to meet.
let peersAsked = false;
const firstPeers = () => {
  if (peersAsked || state.channels.size || !state.me || !net.ready()) return;
  peersAsked = true;
  fillPeers($('first-peers-list')).then((some) => { $('first-peers').hidden = !some; });
};
on('channels', firstPeers);
on('conn', (s) => { if (s === 'live') firstPeers(); });
on('session', () => { peersAsked = false; });
on('open-settings', accountSettings);
// "Review requests" from a notice: the channel, then its requests.
on('show-requests', (id) => {
  if (!state.channels.has(id)) return;
  channels.go(id);
  joinRequests(state.channels.get(id));
});

window.addEventListener('hashchange', channels.onHashChange);
// A reload or a closed tab must not lose the cursor still waiting to be saved.
window.addEventListener('pagehide', flushSeq);
setInterval(channels.refreshWhilePending, 20000);

signin.boot();
