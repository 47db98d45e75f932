// The session's one connection, for everything that talks to the server.
// session.js opens and closes it; the rest only send through it.
import { RequestError } from './conn.js';

let conn = null;

export const current = () => conn;
export const setCurrent = (c) => { conn = c; };

export const ready = () => Boolean(conn && conn.isReady());
export const connState = () => (conn ? conn.state : 'offline');

// Resolves with the direct reply; rejects with a RequestError.
export function request(obj) {
  if (!conn) return Promise.reject(new RequestError('offline', 'You are offline. Try again when the connection is back.'));
  return conn.request(obj);
}

// Fire-and-forget (read markers).
export function send(obj) {
  return Boolean(conn && conn.send(obj));
}
