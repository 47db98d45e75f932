// HTTP calls. The session cookie is HttpOnly: the client learns whether it is
// signed in by asking /api/me.

async function json(res) {
  try { return await res.json(); } catch { return null; }
}

export class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// Resolves with the user object, or null when not signed in. Throws
// HttpError(0) when the server cannot be reached.
export async function me() {
  let res;
  try {
    res = await fetch('/api/me', { credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new HttpError(0, 'network');
  }
  if (res.status === 401 || res.status === 403) return null;
  if (!res.ok) throw new HttpError(res.status, `server answered ${res.status}`);
  const body = await json(res);
  return body && body.user ? body.user : null;
}

export async function login(username, password) {
  let res;
  try {
    res = await fetch('/api/login', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
  } catch {
    throw new HttpError(0, 'Weft can’t be reached right now. Check your connection and try again.');
  }
  const body = await json(res);
  if (res.ok && body && body.user) return body.user;
  if (res.status === 401) throw new HttpError(401, 'That username and password don’t match. Check both and try again.');
  if (res.status === 429) throw new HttpError(429, 'Too many sign-in attempts. Wait a minute and try again.');
  if (res.status === 403) throw new HttpError(403, 'Sign-in was refused from this address. Ask your administrator for help.');
  throw new HttpError(res.status, `Sign-in failed (the server answered ${res.status}). Try again in a moment.`);
}

export async function logout() {
  try {
    await fetch('/api/logout', { method: 'POST', credentials: 'same-origin' });
  } catch {
    // Signing out locally still clears this device; the session expires server-side.
  }
}

// Sets the password of an account from its one-time sign-up link and signs
// in (the server sets the session cookie). Resolves with the user object.
// minLength is the server's minimum, for the message when it refuses one.
export async function signup(token, password, minLength) {
  let res;
  try {
    res = await fetch('/api/signup', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, password }),
    });
  } catch {
    throw new HttpError(0, 'Weft can’t be reached right now. Check your connection and try again.');
  }
  const body = await json(res);
  if (res.ok && body && body.user) return body.user;
  if (res.status === 401) throw new HttpError(401, 'This sign-up link is invalid, has already been used, or has expired.');
  if (res.status === 400) throw new HttpError(400, body && body.message ? `The server refused this password: ${body.message}.` : `The server refused this password. Use at least ${minLength} characters.`);
  if (res.status === 429) throw new HttpError(429, 'Too many attempts. Wait a minute and try again.');
  if (res.status === 403) throw new HttpError(403, 'This request was refused. Open the link in a new tab and try again.');
  throw new HttpError(res.status, `Setting the password failed (the server answered ${res.status}). Try again in a moment.`);
}

// Changes my own password; every other session of mine is signed out.
// Throws HttpError: 401 (the current password is wrong), 400 (the new one
// is refused), 429 (too many tries: retryAfter seconds), 0 (no server).
export async function changePassword(oldPassword, newPassword, minLength) {
  let res;
  try {
    res = await fetch('/api/password', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ old: oldPassword, new: newPassword }),
    });
  } catch {
    throw new HttpError(0, 'Weft can’t be reached right now. Check your connection and try again.');
  }
  const body = await json(res);
  if (res.ok) return true;
  if (res.status === 401) throw new HttpError(401, 'That isn’t your current password. Type it again.');
  if (res.status === 400) {
    throw new HttpError(400, `The new password was refused: use at least ${minLength} characters${body && body.message ? ` (${body.message})` : ''}.`);
  }
  if (res.status === 429) {
    const ms = body && typeof body.retry_after_ms === 'number' ? body.retry_after_ms : Number(res.headers.get('retry-after')) * 1000;
    const s = Math.max(1, Math.ceil((Number.isFinite(ms) ? ms : 60000) / 1000));
    const err = new HttpError(429, `Too many wrong passwords. Wait ${s} ${s === 1 ? 'second' : 'seconds'} and try again.`);
    err.retryAfter = s;
    throw err;
  }
  if (res.status === 403) throw new HttpError(403, 'This request was refused. Reload the page and try again.');
  throw new HttpError(res.status, `Changing the password failed (the server answered ${res.status}). Try again in a moment.`);
}

// Sends a roster (a CSV File) to POST /api/import (admins): with dryRun the
// server only checks it. Resolves with its answer ({created|new, existing,
// rejected, failed, rows:[{line, username, …, status, reason, signup_url}]});
// throws HttpError with a sentence to show.
export async function importRoster(file, dryRun) {
  let res;
  try {
    res = await fetch(`/api/import${dryRun ? '?dry_run=1' : ''}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'text/csv' },
      body: file,
    });
  } catch {
    throw new HttpError(0, 'Weft can’t be reached right now. Check your connection and try again.');
  }
  const body = await json(res);
  if (res.ok && body && Array.isArray(body.rows)) return body;
  if (res.status === 400) throw new HttpError(400, `This file can’t be imported: ${body && body.message ? body.message : 'it is not a CSV roster'}.`);
  if (res.status === 413) throw new HttpError(413, 'This file is too large to import at once. Split it into smaller files.');
  if (res.status === 401 || res.status === 403) throw new HttpError(res.status, 'Only administrators can import people. Sign in again and retry.');
  if (res.status === 503) throw new HttpError(503, 'The server is busy with another import. Try again in a moment.');
  throw new HttpError(res.status, `The import failed (the server answered ${res.status}). Try again in a moment.`);
}
