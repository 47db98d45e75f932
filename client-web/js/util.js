// Small shared helpers about channels and people.
export const cap = (s) => (s ? s[0].toUpperCase() + s.slice(1) : '');

export function accessLabel(a) {
  return { open: 'Open', request: 'Request to join', invite: 'Invite only' }[a] || cap(a || '');
}

// Field names for "I asked to join" and "I was invited" are not fixed by the
// contract yet; accept the likely spellings.
export const isPendingFlag = (c) => c.pending === true || c.request === 'pending' || c.status === 'pending';
export const isInvited = (c) => c.invited === true || c.status === 'invited' || c.invitation === true;

export const ACCESS_HELP = {
  open: 'Anyone in the network can find it and join right away.',
  request: 'Anyone can ask to join; a moderator reviews each request.',
  invite: 'Hidden from others; only people a moderator invites can join.',
};

export const KIND_HELP = {
  caucus: 'People who share an identity or priority, meeting as peers.',
  cohort: 'A group learning or working through a program together.',
  team: 'A working group running a joint project.',
};

export const DEFAULT_ACCESS = { caucus: 'request', cohort: 'open', team: 'invite' };

export const isModerator = (c) => Boolean(c) && (c.role === 'owner' || c.role === 'moderator');

export function authorName(a) {
  if (!a) return 'Unknown';
  return a.display || a.name || `user ${a.id}`;
}
