#!/usr/bin/env node
// Import cycles in the crate, file by file: `node scripts/check-rust-cycles.mjs [root.rs ...]` (default
// src/lib.rs) prints every cycle and exits 1 if there is one.
//
// Why our own: cargo-modules would build rust-analyzer's crates on every fresh machine (minutes); the
// crate's module paths are simple enough to read directly.
//
// What counts (issue 21): every file of the module tree is a node, a module's children included (a child
// module is a file of its own, not folded into its parent). File A depends on file B when A names a path
// into B: `use crate::core::spec::Spec`, `super::pool::PoolRun::new(..)`, `self::x::y`, or a path that
// starts with one of A's own child modules (`queue::MapQueue`). A path resolves to the deepest module file
// it names (`crate::core::mode::pool::fill_unfinished` is mode/pool.rs). Declaring a child (`mod x;`) is
// not a dependency: a parent that only declares its children is not in a cycle with them, while a
// registry that names them (`cpu_primes::CpuPrimes`) and whose types they use is. Comments and strings
// are not read. A file's own inline modules (`mod tests { .. }`) are part of the file.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Source text with comments, strings and char literals blanked (lengths kept, so lines still count). */
export function stripRust(src) {
  let out = '';
  let i = 0;
  const n = src.length;
  const blank = (s) => s.replace(/[^\n]/g, ' ');
  while (i < n) {
    const c = src[i];
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      const end = src.indexOf('\n', i);
      const j = end === -1 ? n : end;
      out += blank(src.slice(i, j));
      i = j;
    } else if (c === '/' && next === '*') {
      let depth = 1;
      let j = i + 2;
      while (j < n && depth > 0) {
        if (src[j] === '/' && src[j + 1] === '*') (depth++, (j += 2));
        else if (src[j] === '*' && src[j + 1] === '/') (depth--, (j += 2));
        else j++;
      }
      out += blank(src.slice(i, j));
      i = j;
    } else if ((c === 'r' || (c === 'b' && next === 'r')) && /^b?r#*"/.test(src.slice(i, i + 40)) && !/[A-Za-z0-9_]/.test(src[i - 1] ?? '')) {
      const m = /^b?r(#*)"/.exec(src.slice(i));
      const close = `"${m[1]}`;
      const end = src.indexOf(close, i + m[0].length);
      const j = end === -1 ? n : end + close.length;
      out += blank(src.slice(i, j));
      i = j;
    } else if (c === '"') {
      let j = i + 1;
      while (j < n && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      out += blank(src.slice(i, j + 1));
      i = j + 1;
    } else if (c === "'") {
      // A char literal ('x', '\n', '\u{..}'), or a lifetime ('a), which is kept.
      const m = /^'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'/.exec(src.slice(i, i + 12));
      if (m) {
        out += blank(m[0]);
        i += m[0].length;
      } else {
        out += c;
        i++;
      }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const IDENT = '[A-Za-z_][A-Za-z0-9_]*';

/** `mod x;` declarations (with `#[path = ".."]` where given): the file's child modules. */
function childDecls(code, raw) {
  const found = [];
  const re = new RegExp(`(?:^|[;{}\\]\\s])(?:pub(?:\\([^)]*\\))?\\s+)?mod\\s+(${IDENT})\\s*;`, 'g');
  for (let m; (m = re.exec(code)); ) {
    // A `#[path = "..."]` attribute just before it (read from the raw text: the string is blanked).
    const before = raw.slice(Math.max(0, m.index - 200), m.index + 1);
    const attr = /#\[path\s*=\s*"([^"]+)"\]\s*(?:#\[[^\]]*\]\s*)*$/.exec(before);
    found.push({ name: m[1], path: attr?.[1] });
  }
  return found;
}

/**
 * The crate's module tree from its root file(s): Map file -> { file, segs (module path from the crate
 * root), dir (where its children live), children: Map name -> file }.
 */
export function moduleTree(roots) {
  const mods = new Map();
  // A module (a file, or an inline `mod x { .. }` in one: node `file#x`) and its children.
  const add = (file, segs, dir, code, raw) => {
    const mod = { file, segs, dir, code, children: new Map() };
    mods.set(file, mod);
    // Inline modules first: each is a node of its own, cut out of its parent's text.
    const inlineRe = new RegExp(`(?:^|[;{}\\]\\s])(?:pub(?:\\([^)]*\\))?\\s+)?mod\\s+(${IDENT})\\s*\\{`, 'g');
    let own = code;
    for (let m; (m = inlineRe.exec(code)); ) {
      const open = m.index + m[0].length - 1;
      let depth = 0;
      let close = open;
      for (; close < code.length; close++) {
        if (code[close] === '{') depth++;
        else if (code[close] === '}' && --depth === 0) break;
      }
      const name = m[1];
      const inner = code.slice(open + 1, close);
      const node = `${file}#${name}`;
      mod.children.set(name, node);
      add(node, [...segs, name], path.join(dir, name), inner, raw.slice(open + 1, close));
      own = own.slice(0, open + 1) + inner.replace(/[^\n]/g, ' ') + own.slice(close);
      inlineRe.lastIndex = close;
    }
    mod.code = own;
    for (const { name, path: p } of childDecls(own, raw)) {
      const real = file.split('#')[0];
      const candidates = p ? [path.join(path.dirname(real), p)] : [path.join(dir, `${name}.rs`), path.join(dir, name, 'mod.rs')];
      const child = candidates.find((c) => fs.existsSync(c));
      if (!child) continue; // cfg'd away, or generated
      mod.children.set(name, child);
      visit(child, [...segs, name]);
    }
  };
  const visit = (file, segs) => {
    if (mods.has(file) || !fs.existsSync(file)) return;
    const raw = fs.readFileSync(file, 'utf8');
    const base = path.basename(file);
    const dir = ['mod.rs', 'lib.rs', 'main.rs'].includes(base) || segs.length === 0 ? path.dirname(file) : path.join(path.dirname(file), base.replace(/\.rs$/, ''));
    add(file, segs, dir, stripRust(raw), raw);
  };
  for (const root of roots) visit(root, []);
  return mods;
}

/** Paths the file names, as segment lists (`use` trees expanded; `{self, x}` included). */
export function pathsIn(code, childNames = []) {
  const paths = [];
  // `use` trees: expand braces.
  const useRe = /\buse\s+([^;]+);/g;
  const expand = (prefix, tree) => {
    tree = tree.trim();
    const brace = tree.indexOf('{');
    if (brace === -1) {
      const segs = tree.split(/\s+as\s+/)[0].split('::').map((s) => s.trim()).filter(Boolean);
      if (segs.length === 1 && segs[0] === 'self') paths.push(prefix);
      else if (segs.length && segs[segs.length - 1] !== '*') paths.push([...prefix, ...segs]);
      else if (segs.length) paths.push([...prefix, ...segs.slice(0, -1)]);
      return;
    }
    const head = tree.slice(0, brace).split('::').map((s) => s.trim()).filter(Boolean);
    const inner = tree.slice(brace + 1, tree.lastIndexOf('}'));
    // Split the group at top-level commas.
    let depth = 0;
    let start = 0;
    for (let i = 0; i <= inner.length; i++) {
      const ch = inner[i];
      if (ch === '{') depth++;
      else if (ch === '}') depth--;
      else if ((ch === ',' || i === inner.length) && depth === 0) {
        if (inner.slice(start, i).trim()) expand([...prefix, ...head], inner.slice(start, i));
        start = i + 1;
      }
    }
  };
  for (let m; (m = useRe.exec(code)); ) expand([], m[1].replace(/^::/, ''));
  // Paths in code: crate::a::b, super::x, self::x, and paths through the file's own child modules.
  const heads = ['crate', 'super', 'self', ...childNames].map((h) => h.replace(/[^A-Za-z0-9_]/g, ''));
  const codeRe = new RegExp(`(?<![A-Za-z0-9_:])(?:${heads.join('|')})(?:\\s*::\\s*${IDENT})+`, 'g');
  for (let m; (m = codeRe.exec(code)); ) paths.push(m[0].split('::').map((s) => s.trim()));
  return paths;
}

/** The module file a path from `mod` names (the deepest module on it), or undefined if it leaves the crate. */
function resolve(mods, bySegs, mod, segs) {
  let at;
  let i = 0;
  if (segs[0] === 'crate') {
    at = bySegs.get('');
    i = 1;
  } else if (segs[0] === 'self' || segs[0] === 'super') {
    at = mod;
    while (segs[i] === 'self' || segs[i] === 'super') {
      if (segs[i] === 'super') at = bySegs.get(at.segs.slice(0, -1).join('::'));
      if (!at) return undefined;
      i++;
    }
  } else if (mod.children.has(segs[0])) {
    at = mod;
  } else {
    return undefined; // another crate, or a name brought in by `use` (its `use` is read instead)
  }
  for (; i < segs.length; i++) {
    const child = at.children.get(segs[i]);
    if (!child) break;
    at = mods.get(child);
  }
  return at?.file;
}

/** Edges file -> Map(file -> the first path that made it), for the crate rooted at `roots`. */
export function dependencies(roots) {
  const mods = moduleTree(roots);
  const bySegs = new Map([...mods.values()].map((m) => [m.segs.join('::'), m]));
  const edges = new Map();
  for (const mod of mods.values()) {
    const out = new Map();
    for (const segs of pathsIn(mod.code, [...mod.children.keys()])) {
      const to = resolve(mods, bySegs, mod, segs);
      if (to && to !== mod.file && !out.has(to)) out.set(to, segs.join('::'));
    }
    edges.set(mod.file, out);
  }
  return edges;
}

/** Strongly connected components with more than one file (Tarjan), each sorted; sorted by first file. */
export function cycles(edges) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  const strong = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of edges.keys()) if (!idx.has(v)) strong(v);
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

/** Every cycle of the crate at `roots`, with the references inside each. */
export function checkCrate(roots) {
  const edges = dependencies(roots);
  return cycles(edges).map((files) => ({
    files,
    refs: files.flatMap((f) => [...edges.get(f)].filter(([to]) => files.includes(to)).map(([to, via]) => ({ from: f, to, via }))),
  }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const roots = process.argv.slice(2);
  const found = checkCrate(roots.length ? roots : ['src/lib.rs']);
  for (const c of found) {
    console.log(`cycle of ${c.files.length} files: ${c.files.join(', ')}`);
    for (const r of c.refs) console.log(`  ${r.from} -> ${r.to}  (${r.via})`);
  }
  console.log(`${found.length} import cycle(s) in the crate`);
  process.exit(found.length ? 1 : 0);
}
