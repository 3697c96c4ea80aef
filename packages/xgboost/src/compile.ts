/**
 * Compiled fast path: trees turned into straight-line JavaScript (one nested conditional expression per tree), grouped
 * into functions of about NODES_PER_CHUNK nodes so V8's optimizing compiler accepts them. Semantics are identical to
 * the array walker in predict.ts:
 *   default_left:  `!(x >= split) ? left : right`  (NaN >= s is false, so a missing value goes left)
 *   default_right: `x < split ? left : right`      (NaN < s is false, so a missing value goes right)
 * and each tree's leaf is added with Math.fround in tree order. Only numbers (printed exactly with String(), which
 * round-trips every double) and integer feature indices are written into the generated source.
 */

/** acc = chunk(x, offset, acc) for single-output models. */
export type SingleChunk = (x: Float32Array, o: number, acc: number) => number;
/** chunk(x, offset, acc) adds into acc[group] for multi-output models. */
export type GroupChunk = (x: Float32Array, o: number, acc: Float64Array) => void;

export interface FlatTrees {
  readonly roots: Int32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly feat: Int32Array;
  readonly dleft: Uint8Array;
  readonly value: Float64Array;
  readonly group: Int32Array;
}

const NODES_PER_CHUNK = 1200;
const MAX_TREE_NODES = 4 * NODES_PER_CHUNK;

function num(v: number): string {
  if (Object.is(v, -0)) return '-0';
  if (v !== v) return 'NaN';
  return String(v);
}

function treeExpr(f: FlatTrees, root: number): string {
  // Iterative emission (deep trees must not overflow the stack).
  const out: string[] = [];
  const stack: (number | string)[] = [root];
  while (stack.length) {
    const item = stack.pop()!;
    if (typeof item === 'string') {
      out.push(item);
      continue;
    }
    const n = item;
    const l = f.left[n]!;
    if (l < 0) {
      out.push(`(${num(f.value[n]!)})`);
      continue;
    }
    const x = `x[o+${f.feat[n]!}]`;
    const cond = f.dleft[n] ? `!(${x}>=${num(f.value[n]!)})` : `${x}<${num(f.value[n]!)}`;
    out.push(`(${cond}?`);
    stack.push(')', f.right[n]!, ':', l);
  }
  return out.join('');
}

function nodeCount(f: FlatTrees, t: number): number {
  const start = f.roots[t]!;
  const end = t + 1 < f.roots.length ? f.roots[t + 1]! : f.left.length;
  return end - start;
}

/** Block form: for rows r < n starting at row `base` of a row-major matrix with `nc` columns, acc[r] (single) or
 * acc[r * G + g] (groups) gets the chunk's trees added in tree order. Keeps one chunk's code hot across a block of rows. */
export type BlockChunk = (x: Float32Array, nc: number, base: number, n: number, acc: Float64Array) => void;

/** Splits trees [from, to) into chunks and compiles them; returns undefined where code generation is not allowed. */
function chunks<T>(
  f: FlatTrees,
  from: number,
  to: number,
  body: (t: number) => string,
  ret: string,
  wrap: (code: string) => string = (code) => `function(x,o,a){${code}${ret}}`
): T[] | undefined {
  const fns: T[] = [];
  // A single huge tree would become one function too large for V8's optimizing compiler: keep the array walker.
  for (let i = from; i < to; i++) if (nodeCount(f, i) > MAX_TREE_NODES) return undefined;
  let t = from;
  try {
    while (t < to) {
      const parts: string[] = [];
      let nodes = 0;
      while (t < to && (parts.length === 0 || nodes + nodeCount(f, t) <= NODES_PER_CHUNK)) {
        nodes += nodeCount(f, t);
        parts.push(body(t));
        t++;
      }
      const src = `"use strict";return ${wrap(parts.join('\n'))}`;
      fns.push(new Function('fr', src)(Math.fround) as T);
    }
  } catch {
    return undefined;
  }
  return fns;
}

export function compileSingle(f: FlatTrees, from: number, to: number): SingleChunk[] | undefined {
  return chunks<SingleChunk>(f, from, to, (t) => `a=fr(a+${treeExpr(f, f.roots[t]!)});`, 'return a;');
}

export function compileGroups(f: FlatTrees, from: number, to: number): GroupChunk[] | undefined {
  return chunks<GroupChunk>(
    f,
    from,
    to,
    (t) => `a[${f.group[t]!}]=fr(a[${f.group[t]!}]+${treeExpr(f, f.roots[t]!)});`,
    ''
  );
}

export function compileSingleBlock(f: FlatTrees, from: number, to: number): BlockChunk[] | undefined {
  return chunks<BlockChunk>(
    f,
    from,
    to,
    (t) => `a=fr(a+${treeExpr(f, f.roots[t]!)});`,
    '',
    (code) => `function(x,nc,base,n,acc){for(let r=0;r<n;r++){const o=(base+r)*nc;let a=acc[r];${code}\nacc[r]=a;}}`
  );
}

export function compileGroupsBlock(f: FlatTrees, G: number, from: number, to: number): BlockChunk[] | undefined {
  return chunks<BlockChunk>(
    f,
    from,
    to,
    (t) => `a[k+${f.group[t]!}]=fr(a[k+${f.group[t]!}]+${treeExpr(f, f.roots[t]!)});`,
    '',
    (code) => `function(x,nc,base,n,a){for(let r=0;r<n;r++){const o=(base+r)*nc;const k=r*${G};${code}\n}}`
  );
}
