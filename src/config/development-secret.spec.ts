import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readOrCreateSecretFile } from './development-secret';

describe('readOrCreateSecretFile', () => {
  let directory: string;
  beforeEach(() => (directory = mkdtempSync(join(tmpdir(), 'chat-secret-'))));
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('creates a random secret once, readable by its owner only, and gives every later reader the same', () => {
    const first = readOrCreateSecretFile(join(directory, 'nested'), 'key');
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(readOrCreateSecretFile(join(directory, 'nested'), 'key')).toBe(first);
    expect(statSync(join(directory, 'nested', 'key')).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(directory, 'nested'))).toEqual(['key']);
  });
});
