// The message formatter's properties (client-web/js/format.js), shared by
// format_fuzz.test.js (ctest) and format_bench.mjs (timings): a seeded body
// generator, adversarial families, and two functions that run in the page
// (page.evaluate serializes them, so they use nothing from this module).

// mulberry32: small, fast, and the same sequence everywhere for one seed.
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The pieces bodies are made of: the subset's markers in every arrangement
// that matters to it (fences, quotes, emphasis, code, links and their
// trailing punctuation), markup that must stay text, and characters that
// trip up string handling (surrogates, separators, controls, bidi).
const MARKUP = ['*', '**', '***', '`', '``', '```', '>', '> ', '>>', '\\', '_', '~'];
const LINES = ['\n', '\n', '\n\n', '\n> ', '\n```\n', '\n```js\n', '\n``` x\n', '\n   ```   \n', ' \n', '\r\n', '\n\t\n'];
const LINKS = ['http://', 'https://', 'HTTP://', 'http://e.org', 'https://e.org/a_(b)', 'http://e.org/p))', 'http://[::1]/',
  'https://e.org/?q=a*b&c=`d`', 'http://x/', 'mailto:a@e.org', 'javascript:alert(1)', 'data:text/html,x', 'www.e.org',
  'http:/', 'h', 'ht', 'http://a b', 'http://e.org/<b>', 'http://%zz', 'https://e.org/\u00e9'];
const PUNCT = ['.', ',', ';', ':', '!', '?', "'", '"', '(', ')', '[', ']', '<', '>', '&', '#', '/', '-', '+', '='];
const HTML = ['<b>x</b>', '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '&amp;', '&lt;', '<a href="javascript:x">',
  '"><svg onload=alert(1)>', '<!--', '-->'];
const ODD = ['\u00e9', '\ud83d\ude00', '\ud83d', '\ude00', '\u200b', '\u00a0', '\u2028', '\u2029', '\u202e', '\u3000', '\ufeff',
  '\u0000', '\u0001', '\u001b', '\t', '\r', '\u0085', '\ufb01', '\u0301'];
const WORDS = ['a', 'b', 'x', 'word', 'hello', 'x_y', 'A1', '0', 'q'];
const SPACE = [' ', ' ', '  ', '\t'];

const GROUPS = [[WORDS, 30], [SPACE, 18], [MARKUP, 22], [LINES, 9], [LINKS, 7], [PUNCT, 8], [HTML, 2], [ODD, 4]];
const TOTAL = GROUPS.reduce((s, [, w]) => s + w, 0);

function piece(rand) {
  let r = rand() * TOTAL;
  for (const [list, w] of GROUPS) {
    if ((r -= w) < 0) return list[Math.floor(rand() * list.length)];
  }
  return 'a';
}

// Body number i of the run with this seed: reproducible alone, without the
// bodies before it. Mostly short; now and then up to the 4,000-character
// limit (limits.max_body), where quadratic work would show.
export function randomBody(seed, i) {
  const rand = prng((seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
  const r = rand();
  const pieces = r < 0.7 ? 1 + Math.floor(rand() * 20) : r < 0.95 ? 20 + Math.floor(rand() * 180) : 200 + Math.floor(rand() * 1800);
  let body = '';
  for (let k = 0; k < pieces && body.length < 4000; k++) body += piece(rand);
  return body.slice(0, 4000);
}

// Bodies built to make a renderer rescan: openers whose closer never comes,
// runs of one delimiter, unclosed fences, links of trailing punctuation.
export const FAMILIES = {
  'code and unclosed bold': '`a` **b ',
  'code, em and bold': '`x` *y **z ',
  'stars': '*',
  'star pairs': '**a',
  'em openers': '*a ',
  'em and bold openers': '*a **b *c ',
  'backticks': '`',
  'unclosed code': '`a',
  'unclosed fences': '```x\n',
  'bare fences': '```\n',
  'quotes': '> *q* `c`\n',
  'link of parens': null, // 'http://x/' then ')'
  'link openers': 'h ',
  'broken schemes': 'http:/ ',
  'links in emphasis': '*http://a.b/* ',
  'bold code': '**`x`** ',
  'blank lines': '\n\n',
  'long link': null, // 'http://a.b/' then 'x'
  'unclosed code span': null, // '`' then 'a'
  'unclosed bold span': null, // '**' then 'a '
};

// A body of the family, n characters long.
export function familyBody(name, n) {
  const unit = FAMILIES[name];
  if (unit) return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
  const [head, fill] = {
    'link of parens': ['http://x/', ')'],
    'long link': ['http://a.b/', 'x'],
    'unclosed code span': ['`', 'a'],
    'unclosed bold span': ['**', 'a '],
  }[name];
  return (head + fill.repeat(n)).slice(0, n);
}

// In the page: renders each body with the client's renderBody and checks
// the formatter's promises. Returns {failures: [{i, message}], nodes}.
//  - it never throws;
//  - the blocks are those of the rules (a reference written from
//    format.js's comments: ``` fences closed by a line of only ```, with a
//    language hint dropped; > quotes; paragraphs split by blank lines;
//    lines joined by <br>), and a code block holds its lines verbatim;
//  - within each line, the visible text is the line with some * and `
//    removed and nothing else: exactly 2 backticks per <code>, 2 stars per
//    <em> and 4 per <strong> (markers gone, nothing lost, nothing added);
//  - only <p> <br> <pre> <code> <blockquote> <strong> <em> <a>, and only
//    class="code-block" on <pre> and href, target="_blank",
//    rel="noopener noreferrer" on <a>; hrefs http, https or mailto, each the
//    URL its link's text spells; no link in a link, no block in a line;
//  - at most 2 nodes per character (plus 2).
export async function pageCheck(bodies) {
  const { renderBody } = await import('/js/format.js');
  const ALLOWED = { P: [], BR: [], PRE: ['class'], CODE: [], BLOCKQUOTE: [], STRONG: [], EM: [], A: ['href', 'target', 'rel'] };
  const INLINE = new Set(['CODE', 'STRONG', 'EM', 'A']);
  const fail = (m) => { throw Object.assign(new Error(m), { check: true }); };
  const show = (s) => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

  const FENCE = /^\s*```\s*$/;
  const QUOTE = /^>\s?/;
  function blocksOf(body) {
    const lines = String(body).split('\n');
    const fences = [];
    lines.forEach((l, j) => { if (FENCE.test(l)) fences.push(j); });
    const out = [];
    let para = null;
    const end = () => { if (para) out.push(para); para = null; };
    for (let i = 0, f = 0; i < lines.length;) {
      const l = lines[i];
      while (f < fences.length && fences[f] <= i) f++;
      if (/^\s*```/.test(l) && f < fences.length) {
        end();
        const first = l.replace(/^\s*```/, '');
        const content = lines.slice(i + 1, fences[f]);
        if (first.trim() && !/^[\w+-]+$/.test(first.trim())) content.unshift(first);
        out.push({ tag: 'PRE', text: content.join('\n') });
        i = fences[f] + 1;
      } else if (QUOTE.test(l)) {
        end();
        const q = { tag: 'BLOCKQUOTE', lines: [] };
        while (i < lines.length && QUOTE.test(lines[i])) q.lines.push(lines[i++].replace(QUOTE, ''));
        out.push(q);
      } else if (l.trim() === '') {
        end();
        i++;
      } else {
        (para ||= { tag: 'P', lines: [] }).lines.push(l);
        i++;
      }
    }
    end();
    return out;
  }

  function checkElement(el) {
    const name = el.tagName.toLowerCase();
    const ok = ALLOWED[el.tagName];
    if (!ok) fail(`element <${name}> outside the allow-list`);
    for (const a of el.attributes) if (!ok.includes(a.name)) fail(`attribute ${a.name} on <${name}>`);
    if (el.tagName === 'PRE' && el.getAttribute('class') !== 'code-block') fail('<pre> without class="code-block"');
    if (el.tagName !== 'A') return;
    if (el.getAttribute('target') !== '_blank' || el.getAttribute('rel') !== 'noopener noreferrer') fail('<a> target or rel');
    const href = el.getAttribute('href');
    let u;
    try { u = new URL(href); } catch { fail(`href ${show(href)} is not a URL`); }
    if (!['http:', 'https:', 'mailto:'].includes(u.protocol)) fail(`href of scheme ${u.protocol}`);
    if (el.childNodes.length !== 1 || el.firstChild.nodeType !== Node.TEXT_NODE) fail('<a> holds more than its text');
    let shown;
    try { shown = new URL(el.textContent).href; } catch { fail(`link text ${show(el.textContent)} is no URL`); }
    if (shown !== href) fail(`link text ${show(el.textContent)} leads to ${show(href)}`);
  }

  // The visible text of a line's nodes, and the markers they account for.
  function walkLine(nodes, acc, inLink) {
    for (const n of nodes) {
      acc.nodes++;
      if (n.nodeType === Node.TEXT_NODE) {
        if (!n.data) fail('an empty text node');
        acc.text += n.data;
        continue;
      }
      if (n.nodeType !== Node.ELEMENT_NODE) fail(`a node of type ${n.nodeType}`);
      checkElement(n);
      if (!INLINE.has(n.tagName)) fail(`<${n.tagName.toLowerCase()}> inside a line`);
      if (n.tagName === 'A' && inLink) fail('a link inside a link');
      if (!n.childNodes.length) fail(`an empty <${n.tagName.toLowerCase()}>`);
      if (n.tagName === 'CODE') {
        if (n.childNodes.length !== 1 || n.firstChild.nodeType !== Node.TEXT_NODE) fail('<code> holds more than text');
        if (n.textContent.includes('`')) fail('a backtick inside <code>');
        acc.ticks += 2;
      }
      if (n.tagName === 'STRONG') acc.stars += 4;
      if (n.tagName === 'EM') acc.stars += 2;
      walkLine([...n.childNodes], acc, inLink || n.tagName === 'A');
    }
  }

  // text is line with some markers removed (greedy matching is exact for
  // "a subsequence whose left-overs are all markers"), as many as counted.
  function markersOnly(line, acc) {
    let j = 0;
    let ticks = 0;
    let stars = 0;
    for (let i = 0; i < line.length; i++) {
      if (j < acc.text.length && line[i] === acc.text[j]) j++;
      else if (line[i] === '`') ticks++;
      else if (line[i] === '*') stars++;
      else fail(`${show(line[i])} at ${i} of the line ${show(line)} is not shown`);
    }
    if (j < acc.text.length) fail(`shown text ${show(acc.text.slice(j))} is not in the line ${show(line)}`);
    if (ticks !== acc.ticks || stars !== acc.stars) {
      fail(`line ${show(line)}: ${ticks} backticks and ${stars} stars gone for ${acc.ticks} and ${acc.stars} in its elements`);
    }
  }

  function checkBody(body) {
    let frag;
    try { frag = renderBody(body); } catch (e) { fail(`renderBody threw: ${e && e.message}`); }
    const div = document.createElement('div');
    div.append(frag);
    const blocks = blocksOf(body);
    const kids = [...div.childNodes];
    if (kids.length !== blocks.length) fail(`${kids.length} blocks where the rules give ${blocks.length}`);
    let nodes = 0;
    kids.forEach((el, k) => {
      const b = blocks[k];
      if (el.nodeType !== Node.ELEMENT_NODE || el.tagName !== b.tag) fail(`block ${k} is ${el.nodeName}, not ${b.tag}`);
      checkElement(el);
      nodes++;
      if (b.tag === 'PRE') {
        const c = el.firstChild;
        if (el.childNodes.length !== 1 || c.nodeType !== Node.ELEMENT_NODE || c.tagName !== 'CODE') fail('<pre> holds more than one <code>');
        checkElement(c);
        if ([...c.childNodes].some((n) => n.nodeType !== Node.TEXT_NODE)) fail('a code block holds more than text');
        if (c.textContent !== b.text) fail(`code block ${show(c.textContent)} where the lines are ${show(b.text)}`);
        nodes += 1 + c.childNodes.length;
        return;
      }
      const segs = [[]];
      for (const n of el.childNodes) {
        if (n.nodeType === Node.ELEMENT_NODE && n.tagName === 'BR') {
          checkElement(n);
          nodes++;
          segs.push([]);
        } else {
          segs[segs.length - 1].push(n);
        }
      }
      if (segs.length !== b.lines.length) fail(`${segs.length} lines in block ${k} where the rules give ${b.lines.length}`);
      segs.forEach((seg, i) => {
        const acc = { text: '', ticks: 0, stars: 0, nodes: 0 };
        walkLine(seg, acc, false);
        markersOnly(b.lines[i], acc);
        nodes += acc.nodes;
      });
    });
    if (nodes > 2 * body.length + 2) fail(`${nodes} nodes for ${body.length} characters`);
    return nodes;
  }

  const failures = [];
  let nodes = 0;
  bodies.forEach((body, i) => {
    try {
      nodes += checkBody(body);
    } catch (e) {
      failures.push({ i, message: e.check ? e.message : `the check itself threw: ${e.stack}` });
    }
  });
  return { failures, nodes };
}

// In the page: the work renderBody does for each body, counted rather than
// timed: elements and text nodes created, the length of every typed array
// allocated (format.js's next-delimiter tables), and for every regular
// expression run the characters it may scan (a sticky one: its match, or
// 1; any other: its input from lastIndex). The renderer before 1a176af ran
// its token regexes over the rest of the text once per token: quadratic
// here as in time.
export async function pageWork(bodies) {
  const { renderBody } = await import('/js/format.js');
  let work = 0;
  const exec = RegExp.prototype.exec;
  const I32 = globalThis.Int32Array;
  const createElement = Document.prototype.createElement;
  const createTextNode = Document.prototype.createTextNode;
  RegExp.prototype.exec = function counted(s) {
    const str = String(s);
    const from = this.sticky || this.global ? this.lastIndex : 0;
    const m = exec.call(this, str);
    work += this.sticky ? (m ? m[0].length : 1) : Math.max(1, str.length - from);
    return m;
  };
  globalThis.Int32Array = class extends I32 {
    constructor(n, ...rest) {
      super(n, ...rest);
      if (typeof n === 'number') work += n;
    }
  };
  Document.prototype.createElement = function counted(...a) { work++; return createElement.apply(this, a); };
  Document.prototype.createTextNode = function counted(...a) { work++; return createTextNode.apply(this, a); };
  try {
    const div = createElement.call(document, 'div');
    return bodies.map((b) => {
      work = 0;
      div.replaceChildren(renderBody(b));
      return work;
    });
  } finally {
    RegExp.prototype.exec = exec;
    globalThis.Int32Array = I32;
    Document.prototype.createElement = createElement;
    Document.prototype.createTextNode = createTextNode;
  }
}
