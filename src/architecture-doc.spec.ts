import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** docs/ARCHITECTURE.md against the code it describes: the facts that drift silently when the code moves. */
const ROOT = join(__dirname, '..');
const architecture = readFileSync(join(ROOT, 'docs', 'ARCHITECTURE.md'), 'utf8');

function sourceFiles(directory = join(ROOT, 'src')): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

const sources = sourceFiles().map((path) => ({ path: relative(ROOT, path), text: readFileSync(path, 'utf8') }));

describe('docs/ARCHITECTURE.md', () => {
  it('names exactly the @Global modules of the code', () => {
    const globals = sources
      .filter(({ text }) => text.includes('@Global()'))
      .map(({ text }) => /@Global\(\)[\s\S]*?export class (\w+)/.exec(text)?.[1])
      .sort();
    const sentence = /^(\w+) modules are `@Global`: (.*?)\.\s+Everything\s+else/ms.exec(architecture);
    expect(sentence).not.toBeNull();
    const named = [...sentence![2].matchAll(/`(\w+Module)`/g)].map((match) => match[1]).sort();

    expect(named).toEqual(globals);
    expect(sentence![1].toLowerCase()).toBe(['zero', 'one', 'two', 'three', 'four', 'five', 'six'][globals.length]);
  });

  it("draws exactly the feature-to-feature edges that dependency-cruiser's layer rules allow", () => {
    const { forbidden } = require(join(ROOT, '.dependency-cruiser.cjs')) as { forbidden: { name: string; to: { pathNot?: string } }[] };
    const allowed = forbidden
      .filter(({ name }) => name.startsWith('feature-layers-'))
      .flatMap(({ name, to }) => {
        const feature = name.slice('feature-layers-'.length);
        const folders = /\^src\/\((.*)\)\//.exec(to.pathNot ?? '')![1].split('|');
        return folders.filter((folder) => folder !== feature).map((folder) => `${feature} --> ${folder}`);
      })
      .sort();

    const graph = /```mermaid\n([\s\S]*?)```/.exec(architecture)![1];
    const folderOf = new Map([...graph.matchAll(/^\s*(\w+)\["([\w-]+)\//gm)].map(([, id, folder]) => [id, folder]));
    const features = /subgraph features\n([\s\S]*?)\n\s*end/.exec(graph)![1];
    const featureIds = new Set([...features.matchAll(/^\s*(\w+)\[/gm)].map((match) => match[1]));
    const drawn = [...graph.matchAll(/^\s*(\w+) --> (\w+)$/gm)]
      .filter(([, from, to]) => featureIds.has(from) && featureIds.has(to))
      .map(([, from, to]) => `${folderOf.get(from)} --> ${folderOf.get(to)}`)
      .sort();

    expect(drawn).toEqual(allowed);
  });

  it('names in its key table only keys and channels that the code builds', () => {
    const table = /## Who owns which keys\n([\s\S]*?)\n\n/.exec(architecture)![1];
    const names = table
      .split('\n')
      .filter((row) => row.startsWith('| `'))
      .flatMap((row) => [...row.split('|')[2].matchAll(/`([^`]+)`/g)].map((match) => match[1]))
      .filter((name) => !name.startsWith(':') && name.includes(':'));
    const code = sources.map(({ text }) => text).join('\n');
    // the literal part a key starts with, before its first variable part
    const missing = names.filter((name) => !code.includes(name.split(/[{<]/)[0]));

    expect(names.length).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });
});
