// A small, safe formatting subset for message bodies, built from DOM nodes:
//   ``` fenced blocks ```, > quotes, `code`, **bold**, *italic*, http(s) links.
// Nothing here parses HTML; every piece of user text lands in a text node.
import { h } from './dom.js';

const URL_RE = /\bhttps?:\/\/[^\s<>"]+/i;

export function renderBody(body) {
  const frag = document.createDocumentFragment();
  const lines = String(body).split('\n');
  let i = 0;
  let para = [];
  const flushPara = () => {
    if (!para.length) return;
    const p = h('p');
    para.forEach((line, n) => {
      if (n) p.append(h('br'));
      appendInline(p, line);
    });
    frag.append(p);
    para = [];
  };
  while (i < lines.length) {
    const line = lines[i];
    if (/^\s*```/.test(line)) {
      // Fenced block: everything up to the closing fence is literal text.
      const end = lines.findIndex((l, j) => j > i && /^\s*```\s*$/.test(l));
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
        appendInline(bq, l);
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

function trimUrl(raw) {
  // Trailing punctuation usually belongs to the sentence, not the link;
  // keep a closing paren only when the URL opened one.
  let url = raw;
  for (;;) {
    const last = url.slice(-1);
    if (/[.,;:!?'*]/.test(last)) { url = url.slice(0, -1); continue; }
    if (last === ')' && (url.match(/\(/g) || []).length < (url.match(/\)/g) || []).length) { url = url.slice(0, -1); continue; }
    if (last === ']' && !url.includes('[')) { url = url.slice(0, -1); continue; }
    break;
  }
  return url;
}

function link(url) {
  const href = safeHref(url);
  if (!href) return document.createTextNode(url);
  return h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, url);
}

// Finds the earliest inline token in text; returns {index, length, node} or null.
function nextToken(text, allowLinks) {
  const cands = [];
  const code = /`([^`\n]+)`/.exec(text);
  if (code) cands.push({ index: code.index, length: code[0].length, make: () => h('code', { text: code[1] }) });
  const bold = /\*\*(?=\S)([\s\S]*?\S)\*\*/.exec(text);
  if (bold) cands.push({ index: bold.index, length: bold[0].length, make: () => appendInline(h('strong'), bold[1], allowLinks) });
  const ital = /(^|[^*\w])\*(?=[^\s*])([^*]*?[^\s*])\*(?!\*)/.exec(text);
  if (ital) {
    const lead = ital[1].length;
    cands.push({ index: ital.index + lead, length: ital[0].length - lead, make: () => appendInline(h('em'), ital[2], allowLinks) });
  }
  if (allowLinks) {
    const u = URL_RE.exec(text);
    if (u) {
      const url = trimUrl(u[0]);
      cands.push({ index: u.index, length: url.length, make: () => link(url), link: true });
    }
  }
  if (!cands.length) return null;
  // Earliest wins; at the same position, links and code beat emphasis so a
  // URL containing '*' stays one link.
  cands.sort((a, b) => a.index - b.index || (b.link ? 1 : 0) - (a.link ? 1 : 0));
  return cands[0];
}

export function appendInline(parent, text, allowLinks = true) {
  let rest = text;
  while (rest) {
    const tok = nextToken(rest, allowLinks);
    if (!tok) { parent.append(document.createTextNode(rest)); break; }
    if (tok.index > 0) parent.append(document.createTextNode(rest.slice(0, tok.index)));
    parent.append(tok.make());
    rest = rest.slice(tok.index + tok.length);
  }
  return parent;
}
