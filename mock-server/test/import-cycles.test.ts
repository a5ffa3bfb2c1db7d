import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** An import of one file by another, between two different nodes. */
interface Edge {
  from: string;
  to: string;
  /** `importer -> imported`, relative to mock-server/. */
  file: string;
}

/** The node a file belongs to: its first-level folder, or the file itself at the top level. */
function nodeOf(path: string): string {
  const rel = relative(ROOT, path);
  return rel.includes(sep) ? rel.split(sep)[0]! : rel;
}

// Static imports and re-exports (`from '…'`), side-effect imports and dynamic `import('…')`.
const RELATIVE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.\.?\/[^'"]+)['"]/g;

/** Every relative import between two nodes of mock-server/, read from the .ts files. */
function folderEdges(): Edge[] {
  const edges: Edge[] = [];
  const files = readdirSync(ROOT, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  for (const file of files) {
    const path = join(ROOT, file);
    for (const [, specifier] of readFileSync(path, 'utf8').matchAll(RELATIVE_IMPORT)) {
      const target = resolve(dirname(path), specifier!);
      if (!target.startsWith(ROOT + sep)) continue; // outside mock-server (the shared errors.ts)
      const from = nodeOf(path);
      const to = nodeOf(target);
      if (from !== to) edges.push({ from, to, file: `${relative(ROOT, path)} -> ${relative(ROOT, target)}` });
    }
  }
  return edges;
}

/** The strongly connected components of more than one node (Tarjan): each is a cycle, or several sharing nodes. */
function cycles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!next.has(e.from)) next.set(e.from, new Set());
    next.get(e.from)!.add(e.to);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const to of next.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1) found.push(component.sort());
  };
  for (const node of next.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe('imports between the folders of mock-server', () => {
  it('finds a cycle through three folders and none in a chain', () => {
    const edge = (from: string, to: string): Edge => ({ from, to, file: `${from} -> ${to}` });
    expect(cycles([edge('a', 'b'), edge('b', 'c'), edge('c', 'a'), edge('c', 'd')])).toEqual([['a', 'b', 'c']]);
    expect(cycles([edge('a', 'b'), edge('b', 'c'), edge('a', 'c')])).toEqual([]);
  });

  it('form no cycle (each top-level file is a node of its own)', () => {
    const edges = folderEdges();
    expect(edges.length).toBeGreaterThan(0);
    const report = cycles(edges).map((component) => ({
      cycle: component.join(' ↔ '),
      imports: edges.filter((e) => component.includes(e.from) && component.includes(e.to)).map((e) => e.file),
    }));
    expect(report).toEqual([]);
  });
});
