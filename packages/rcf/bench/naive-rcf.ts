/**
 * A deliberately naive RCF (object nodes, arrays allocated per point, sampler max found by a linear scan after each replacement) implementing the same
 * algorithm as src/: the "naive JS port" reference of the streaming-anomaly notes, re-measured in the same run as
 * ours so that the comparison does not depend on the machine's load.
 */
interface Node {
  parent: Node | null;
  left: Node | null;
  right: Node | null;
  cutDim: number;
  cutVal: number;
  min: number[];
  max: number[];
  mass: number;
  point: number[] | null;
}

class NaiveTree {
  root: Node | null = null;
  sample: { w: number; leaf: Node }[] = [];
  constructor(
    private readonly capacity: number,
    private readonly rnd: () => number
  ) {}

  private leaf(p: number[]): Node {
    return {
      parent: null,
      left: null,
      right: null,
      cutDim: -1,
      cutVal: 0,
      min: [...p],
      max: [...p],
      mass: 1,
      point: [...p],
    };
  }

  insert(p: number[]): Node {
    if (!this.root) return (this.root = this.leaf(p));
    let n: Node = this.root;
    for (;;) {
      const lo = n.min.map((v, d) => Math.min(v, p[d]!));
      const hi = n.max.map((v, d) => Math.max(v, p[d]!));
      const range = hi.reduce((s, v, d) => s + v - lo[d]!, 0);
      if (range === 0) {
        n.mass++;
        return n;
      }
      let r = this.rnd() * range;
      let d = 0;
      while (d < p.length - 1 && r >= hi[d]! - lo[d]!) {
        r -= hi[d]! - lo[d]!;
        d++;
      }
      const cut = lo[d]! + r;
      if (cut < n.min[d]! || cut >= n.max[d]!) {
        const leaf = this.leaf(p);
        const inner: Node = {
          parent: n.parent,
          left: null,
          right: null,
          cutDim: d,
          cutVal: cut,
          min: lo,
          max: hi,
          mass: n.mass + 1,
          point: null,
        };
        if (p[d]! <= cut) [inner.left, inner.right] = [leaf, n];
        else [inner.left, inner.right] = [n, leaf];
        if (!n.parent) this.root = inner;
        else if (n.parent.left === n) n.parent.left = inner;
        else n.parent.right = inner;
        n.parent = inner;
        leaf.parent = inner;
        return leaf;
      }
      n.mass++;
      n.min = lo;
      n.max = hi;
      n = p[n.cutDim]! <= n.cutVal ? n.left! : n.right!;
    }
  }

  delete(leaf: Node): void {
    if (leaf.mass > 1) {
      for (let n: Node | null = leaf; n; n = n.parent) n.mass--;
      return;
    }
    const par = leaf.parent;
    if (!par) {
      this.root = null;
      return;
    }
    const sib = par.left === leaf ? par.right! : par.left!;
    sib.parent = par.parent;
    if (!par.parent) this.root = sib;
    else if (par.parent.left === par) par.parent.left = sib;
    else par.parent.right = sib;
    for (let n = sib.parent; n; n = n.parent) {
      n.mass--;
      n.min = n.left!.min.map((v, d) => Math.min(v, n!.right!.min[d]!));
      n.max = n.left!.max.map((v, d) => Math.max(v, n!.right!.max[d]!));
    }
  }

  private maxIdx = -1;

  offer(p: number[], w: number): void {
    if (this.sample.length === this.capacity) {
      if (this.maxIdx < 0) {
        this.maxIdx = 0;
        for (let i = 1; i < this.sample.length; i++)
          if (this.sample[i]!.w > this.sample[this.maxIdx]!.w) this.maxIdx = i;
      }
      const k = this.maxIdx;
      if (!(w < this.sample[k]!.w)) return;
      this.delete(this.sample[k]!.leaf);
      this.sample[k] = { w, leaf: this.insert(p) };
      this.maxIdx = -1; // rescan lazily on the next offer
      return;
    }
    this.sample.push({ w, leaf: this.insert(p) });
  }

  score(q: number[]): number {
    if (!this.root) return 0;
    const path: Node[] = [];
    let n = this.root;
    while (!n.point) {
      path.push(n);
      n = q[n.cutDim]! <= n.cutVal ? n.left! : n.right!;
    }
    const M = this.root.mass;
    let s = n.point.every((v, d) => v === q[d])
      ? (1 - n.mass / (2 * M)) / (path.length + Math.log2(n.mass + 1))
      : 1 / (path.length + 1);
    for (let k = path.length - 1; k >= 0; k--) {
      const b = path[k]!;
      const gap = q.reduce((g, x, d) => g + Math.max(0, b.min[d]! - x) + Math.max(0, x - b.max[d]!), 0);
      if (gap === 0) break;
      const range = q.reduce((g, x, d) => g + Math.max(b.max[d]!, x) - Math.min(b.min[d]!, x), 0);
      s = (gap / range) * (1 / (k + 1)) + (1 - gap / range) * s;
    }
    return s * Math.log2(M + 1);
  }
}

export class NaiveForest {
  private readonly trees: NaiveTree[];
  private seq = 0;
  constructor(
    trees: number,
    capacity: number,
    private readonly lambda: number,
    private readonly rnd: () => number
  ) {
    this.trees = Array.from({ length: trees }, () => new NaiveTree(capacity, rnd));
  }
  score(q: number[]): number {
    return this.trees.reduce((s, t) => s + t.score(q), 0) / this.trees.length;
  }
  update(p: number[]): void {
    this.seq++;
    for (const t of this.trees) t.offer([...p], -this.seq * this.lambda + Math.log(-Math.log(1 - this.rnd())));
  }
}
