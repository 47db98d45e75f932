// The reaction picker's emoji: a few to start from, and search by name
// (every word typed must start a word of the emoji's name or search words).
import { EMOJI } from './emoji-data.js';

export const SUGGESTED = ['👍', '❤️', '😂', '🎉', '🙏', '👀', '✅', '🙌', '😊', '🤔', '👏', '💯', '🔥', '😮', '😢', '➕'];

const byChar = new Map(EMOJI.map(([e, name]) => [e, name]));
// Each emoji's words, found once.
const words = EMOJI.map(([e, name, extra]) => [e, name, `${name} ${extra}`.toLowerCase().split(/[\s:,.-]+/).filter(Boolean)]);

export const nameOf = (emoji) => byChar.get(emoji) || byChar.get(`${emoji}\ufe0f`) || null;

export function search(q, max = 80) {
  const terms = q.toLowerCase().split(/[\s:,.-]+/).filter(Boolean);
  if (!terms.length) return [];
  const out = [];
  for (const [e, name, ws] of words) {
    if (terms.every((t) => ws.some((w) => w.startsWith(t)))) out.push([e, name]);
    if (out.length >= max) break;
  }
  return out;
}

export const ALL = EMOJI.map(([e, name]) => [e, name]);

export const named = (list) => list.map((e) => [e, nameOf(e) || e]);
