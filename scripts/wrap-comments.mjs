// Rewraps the comment lines ESLint's max-len flags (Prettier wraps code but never comments), in place:
// a `//` line becomes several `//` lines, a JSDoc line several ` * ` lines, a one-line `/** ... */` a
// block, and a comment after code moves onto its own line above. Strings and code are never touched.
// Run after `npm run format`: node scripts/wrap-comments.mjs [files or folders, default .]
import { readFileSync, writeFileSync } from 'node:fs';
import { ESLint } from 'eslint';

const WIDTH = 120;

/** Greedy word wrap of text into lines of at most `width` characters (a longer word stays whole). */
function wrap(text, width) {
  const lines = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** The replacement lines for one over-long line, or null when it is not a comment this script can rewrap. */
function rewrap(src) {
  const indent = /^\s*/.exec(src)[0];
  const body = src.slice(indent.length);
  let m;
  if ((m = /^\/\/\s?(.*)$/.exec(body))) return wrap(m[1], WIDTH - indent.length - 3).map((l) => `${indent}// ${l}`);
  if ((m = /^\/\*\*\s*(.*?)\s*\*\/$/.exec(body))) {
    return [`${indent}/**`, ...wrap(m[1], WIDTH - indent.length - 3).map((l) => `${indent} * ${l}`), `${indent} */`];
  }
  if ((m = /^\*\s?(.*)$/.exec(body)) && !body.startsWith('*/')) {
    return wrap(m[1], WIDTH - indent.length - 2).map((l) => `${indent}* ${l}`);
  }
  // code, then a line comment: the comment goes on its own line above the code
  const at = body.lastIndexOf(' // ');
  if (at > 0 && !/['"`]/.test(body.slice(at))) {
    const code = body.slice(0, at).trimEnd();
    return [...wrap(body.slice(at + 4), WIDTH - indent.length - 3).map((l) => `${indent}// ${l}`), `${indent}${code}`];
  }
  return null;
}

const eslint = new ESLint();
const results = await eslint.lintFiles(process.argv.length > 2 ? process.argv.slice(2) : ['.']);
let changed = 0,
  left = 0;
for (const r of results) {
  const flagged = new Set(r.messages.filter((m) => m.ruleId === 'max-len').map((m) => m.line));
  if (flagged.size === 0) continue;
  const lines = readFileSync(r.filePath, 'utf8').split('\n');
  const out = [];
  let fenced = false; // inside a ``` block of a doc comment: code, not prose, so it is never rewrapped
  lines.forEach((line, i) => {
    if (/^\s*\*?\s*```/.test(line)) fenced = !fenced;
    const repl = flagged.has(i + 1) && !fenced ? rewrap(line) : null;
    if (repl) changed++;
    else if (flagged.has(i + 1)) left++;
    out.push(...(repl ?? [line]));
  });
  writeFileSync(r.filePath, out.join('\n'));
}
console.log(`wrap-comments: rewrapped ${changed} comment lines; ${left} long lines left for a person`);
