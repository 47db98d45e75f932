// A small, safe formatting subset for message bodies, built from DOM nodes:
//   ``` fenced blocks ```, > quotes, `code`, **bold**, *italic*, http(s) links,
//   and @mentions (given opts.mention, which names who a message mentions).
// Nothing here parses HTML; every piece of user text lands in a text node.
import { h } from './dom.js';

// opts.mention(name) says what "@name" (name lowercased, as the server reads
// it) is in this message: 'me', 'other' (someone else it mentions) or null
// (plain text). Without it no @name is highlighted.
export function renderBody(body, opts = {}) {
  const mention = typeof opts.mention === 'function' ? opts.mention : null;
  const frag = document.createDocumentFragment();
  const lines = String(body).split('\n');
  let i = 0;
  let para = [];
  const flushPara = () => {
    if (!para.length) return;
    const p = h('p');
    para.forEach((line, n) => {
      if (n) p.append(h('br'));
      appendInline(p, line, true, mention);
    });
    frag.append(p);
    para = [];
  };
  // The closing fences, found once: the next one after a line is then a
  // step away, however many unclosed fences the body holds.
  const fences = [];
  lines.forEach((l, j) => { if (/^\s*```\s*$/.test(l)) fences.push(j); });
  let f = 0;
  const closingAfter = (line) => {
    while (f < fences.length && fences[f] <= line) f++;
    return f < fences.length ? fences[f] : -1;
  };
  while (i < lines.length) {
    const line = lines[i];
    if (/^\s*```/.test(line)) {
      // Fenced block: everything up to the closing fence is literal text.
      const end = closingAfter(i);
      if (end !== -1) {
        flushPara();
        const first = line.replace(/^\s*```/, '');
        const content = lines.slice(i + 1, end);
        // ```lang is a language hint, not content; anything else after the fence is content.
        if (first.trim() && !/^[\w+-]+$/.test(first.trim())) content.unshift(first);
        frag.append(h('pre', { class: 'code-block' }, h('code', { text: content.join('\n') })));
        i = end + 1;
        continue;
      }
    }
    if (/^>\s?/.test(line)) {
      flushPara();
      const quoted = [];
      while (i < lines.length && /^>\s?/.test(lines[i])) {
        quoted.push(lines[i].replace(/^>\s?/, ''));
        i++;
      }
      const bq = h('blockquote');
      quoted.forEach((l, n) => {
        if (n) bq.append(h('br'));
        appendInline(bq, l, true, mention);
      });
      frag.append(bq);
      continue;
    }
    if (line.trim() === '' && para.length) {
      flushPara();
      i++;
      continue;
    }
    if (line.trim() !== '' || para.length) para.push(line);
    i++;
  }
  flushPara();
  return frag;
}

// Returns a safe http(s) href, or null.
export function safeHref(text) {
  try {
    const u = new URL(text);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return u.href;
  } catch {
    return null;
  }
}

// Trailing punctuation usually belongs to the sentence, not the link; keep
// a closing paren only when the URL opened one. One pass from the end with
// the parens counted once: a URL of a thousand ')' costs a thousand steps.
function trimUrl(url) {
  let opens = 0;
  let closes = 0;
  for (const ch of url) {
    if (ch === '(') opens++;
    else if (ch === ')') closes++;
  }
  const hasBracket = url.includes('[');
  let end = url.length;
  while (end > 0) {
    const last = url[end - 1];
    if (/[.,;:!?'*]/.test(last)) { end--; continue; }
    if (last === ')' && opens < closes) { end--; closes--; continue; }
    if (last === ']' && !hasBracket) { end--; continue; }
    break;
  }
  return url.slice(0, end);
}

function link(url) {
  const href = safeHref(url);
  if (!href) return document.createTextNode(url);
  return h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, url);
}

const isSpace = (c) => c !== undefined && /\s/.test(c);
// The characters of a user name, as the server reads @name.
const isNameChar = (c) => c !== undefined && /[A-Za-z0-9._-]/.test(c);

// "@name" at i (not inside a word: ana@example.org names no one), without
// trailing ".", "_" or "-" ("@Ana." names ana); its length, or 0. The scan
// stops at the first character that is not a name's, which cannot start
// another mention: each character is scanned at most once per text.
function mentionAt(text, i, mention) {
  if (i > 0 && isNameChar(text[i - 1])) return null;
  let e = i + 1;
  while (e < text.length && isNameChar(text[e])) e++;
  while (e > i + 1 && /[._-]/.test(text[e - 1])) e--;
  if (e === i + 1) return null;
  const kind = mention(text.slice(i + 1, e).toLowerCase());
  if (kind !== 'me' && kind !== 'other') return null;
  const shown = text.slice(i, e);
  return {
    length: e - i,
    make: () => (kind === 'me' ? h('mark', { class: 'mention mention-me' }, shown) : h('span', { class: 'mention' }, shown)),
  };
}
const isWord = (c) => c !== undefined && /\w/.test(c);
const URL_AT = /https?:\/\/[^\s<>"]+/iy;

// next[p]: the first index >= p where pred(p) holds (text.length when none),
// so that every closing delimiter is found in O(1): one pass per text.
function nextWhere(text, pred) {
  const next = new Int32Array(text.length + 2).fill(text.length);
  for (let p = text.length - 1; p >= 0; p--) next[p] = pred(p) ? p : next[p + 1];
  return next;
}

// The inline token starting at i, or null: a link, `code`, **bold** or
// *italic*, by the same rules the regular expressions below once gave
//   /\bhttps?:\/\/[^\s<>"]+/i   /`([^`\n]+)`/   /\*\*(?=\S)([\s\S]*?\S)\*\*/
//   /(^|[^*\w])\*(?=[^\s*])([^*]*?[^\s*])\*(?!\*)/
// but in constant time per position (start: where the text, or the text
// after the previous token, begins: there ^ and \b hold).
function tokenAt(text, i, start, idx, allowLinks, mention) {
  const c = text[i];
  if (c === '@' && mention) {
    const m = mentionAt(text, i, mention);
    if (m) return m;
  }
  if (allowLinks && (c === 'h' || c === 'H') && (i === start || !isWord(text[i - 1]))) {
    URL_AT.lastIndex = i;
    const m = URL_AT.exec(text);
    if (m) {
      const url = trimUrl(m[0]);
      return { length: url.length, make: () => link(url) };
    }
  }
  if (c === '`') {
    const j = idx.tick[i + 1];
    if (j < text.length && j > i + 1 && idx.newline[i + 1] > j) {
      const code = text.slice(i + 1, j);
      return { length: j + 1 - i, make: () => h('code', { text: code }) };
    }
  }
  if (c === '*' && text[i + 1] === '*' && i + 2 < text.length && !isSpace(text[i + 2])) {
    const k = idx.boldClose[i + 3];
    if (k < text.length) {
      const inner = text.slice(i + 2, k);
      return { length: k + 2 - i, make: () => appendInline(h('strong'), inner, allowLinks, mention) };
    }
  }
  if (c === '*' && (i === start || (text[i - 1] !== '*' && !isWord(text[i - 1]))) &&
      i + 1 < text.length && text[i + 1] !== '*' && !isSpace(text[i + 1])) {
    const j = idx.star[i + 1];
    if (j < text.length && !isSpace(text[j - 1]) && text[j + 1] !== '*') {
      const inner = text.slice(i + 1, j);
      return { length: j + 1 - i, make: () => appendInline(h('em'), inner, allowLinks, mention) };
    }
  }
  return null;
}

// Appends text with its inline formatting to parent, in one pass: linear in
// the text's length whatever it holds (a page of crafted bodies must not
// freeze every member's tab).
export function appendInline(parent, text, allowLinks = true, mention = null) {
  const idx = {
    tick: nextWhere(text, (p) => text[p] === '`'),
    newline: nextWhere(text, (p) => text[p] === '\n'),
    star: nextWhere(text, (p) => text[p] === '*'),
    boldClose: nextWhere(text, (p) => text[p] === '*' && text[p + 1] === '*' && p > 0 && !isSpace(text[p - 1])),
  };
  let start = 0; // where plain text since the last token began
  let i = 0;
  while (i < text.length) {
    const tok = tokenAt(text, i, start, idx, allowLinks, mention);
    if (!tok) { i++; continue; }
    if (i > start) parent.append(document.createTextNode(text.slice(start, i)));
    parent.append(tok.make());
    i += tok.length;
    start = i;
  }
  if (start < text.length) parent.append(document.createTextNode(text.slice(start)));
  return parent;
}
