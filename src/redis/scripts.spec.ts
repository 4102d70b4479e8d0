import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { defineScripts, script, ScriptClient } from './scripts';

const SRC = join(__dirname, '..');

function luaFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return luaFiles(path);
    return entry.name.endsWith('.lua') ? [path] : [];
  });
}

/** The indices a header declares (`-- KEYS[2]`), and from which on it declares all (`-- KEYS[5...]`). */
function declared(header: string[], table: 'KEYS' | 'ARGV'): { indices: Set<number>; from: number } {
  const indices = new Set<number>();
  let from = Infinity;
  for (const line of header) {
    const match = new RegExp(`^-- ${table}\\[(\\d+)(\\.\\.\\.)?\\]`).exec(line);
    if (!match) continue;
    if (match[2]) from = Math.min(from, Number(match[1]));
    else indices.add(Number(match[1]));
  }
  return { indices, from };
}

describe('the Lua script files', () => {
  const files = luaFiles(SRC);

  it('are found beside their repositories', () => {
    expect(files.length).toBeGreaterThan(30);
    for (const file of files) expect(relative(SRC, file)).toMatch(/^[a-z-]+\/scripts\/[a-z0-9-]+\.lua$/);
  });

  it.each(files.map((file) => [relative(SRC, file), file]))('%s opens with a header naming every KEYS[i] and ARGV[i] it reads and its reply', (_name, file) => {
    const lines = readFileSync(file, 'utf8').split('\n');
    if (lines[0].startsWith('-- Library')) return;
    const header = lines.slice(
      0,
      lines.findIndex((line) => !line.startsWith('--')),
    );
    const body = lines.slice(header.length).join('\n');
    expect(header.some((line) => line.startsWith('-- Reply: '))).toBe(true);
    for (const table of ['KEYS', 'ARGV'] as const) {
      const { indices, from } = declared(header, table);
      const used = [...body.matchAll(new RegExp(`${table}\\[(\\d+)\\]`, 'g'))].map((match) => Number(match[1]));
      if (body.includes(`unpack(${table}, `)) used.push(Number(new RegExp(`unpack\\(${table}, (\\d+)\\)`).exec(body)![1]));
      for (const index of used) expect({ [table]: index, declared: indices.has(index) || index >= from }).toEqual({ [table]: index, declared: true });
    }
  });
});

describe('defineScripts', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'scripts-spec-'));
    writeFileSync(join(dir, 'body.lua'), '-- KEYS[1] a key\n-- Reply: FIELD\nreturn FIELD\n');
    writeFileSync(join(dir, 'headless.lua'), 'return 1\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('puts the constants, then the libraries, before the file', () => {
    const { probe } = defineScripts(dir, {
      probe: script<[key: string], [], string>({ file: 'body.lua', constants: { FIELD: "it's", LIMIT: 3 }, uses: ['local function f() end\n'] }),
    });
    expect(probe.lua).toBe("local FIELD = 'it\\'s'\nlocal LIMIT = 3\nlocal function f() end\n-- KEYS[1] a key\n-- Reply: FIELD\nreturn FIELD\n");
  });

  it('refuses a constant Lua could not read back as written', () => {
    expect(() => defineScripts(dir, { probe: script<[key: string], [], string>({ file: 'body.lua', constants: { FIELD: 'naïve' } }) })).toThrow(
      'FIELD must be printable ASCII',
    );
  });

  it('refuses a file without its header, and keys other than the header declares', async () => {
    expect(() => defineScripts(dir, { probe: script<[], [], number>({ file: 'headless.lua' }) })).toThrow('headless.lua has no header');
    const { probe } = defineScripts(dir, { probe: script<string[], [], string>({ file: 'body.lua', constants: { FIELD: 'x' } }) });
    await expect(probe.run({} as ScriptClient, ['a', 'b'], [])).rejects.toThrow('body.lua takes 1 keys, not 2');
  });
});
