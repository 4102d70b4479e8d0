import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './app-config';
import { defaultMaxConnectionsPerNode, parseDescriptorLimit, readDescriptorLimit } from './descriptor-limit';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            20000                524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('the descriptor limit and MAX_CONNECTIONS_PER_NODE', () => {
  it('reads the soft limit of open files, and nothing from an unlimited, missing or unreadable one', () => {
    expect(parseDescriptorLimit(LIMITS)).toBe(20_000);
    expect(parseDescriptorLimit(LIMITS.replace('20000      ', 'unlimited  '))).toBeUndefined();
    expect(parseDescriptorLimit('Max cpu time unlimited')).toBeUndefined();
    const file = join(mkdtempSync(join(tmpdir(), 'limits-')), 'limits');
    writeFileSync(file, LIMITS);
    expect(readDescriptorLimit(file)).toBe(20_000);
    expect(readDescriptorLimit(`${file}.absent`)).toBeUndefined();
  });

  it('defaults to the limit less a reserve of 256, at least half the limit, and to 768 when the limit is unknown', () => {
    expect(defaultMaxConnectionsPerNode(20_000)).toBe(19_744);
    expect(defaultMaxConnectionsPerNode(1024)).toBe(768);
    expect(defaultMaxConnectionsPerNode(300)).toBe(150);
    expect(defaultMaxConnectionsPerNode(undefined)).toBe(768);
  });

  it('lets an explicit MAX_CONNECTIONS_PER_NODE win, 0 switching the limit off, and refuses anything but a whole number', () => {
    const secret = () => 'generated-secret';
    expect(loadConfig({}, secret, () => 4096).maxConnectionsPerNode).toBe(3840);
    expect(loadConfig({ MAX_CONNECTIONS_PER_NODE: '50000' }, secret, () => 4096).maxConnectionsPerNode).toBe(50_000);
    expect(loadConfig({ MAX_CONNECTIONS_PER_NODE: '0' }, secret, () => 4096).maxConnectionsPerNode).toBe(0);
    expect(() => loadConfig({ MAX_CONNECTIONS_PER_NODE: 'many' }, secret)).toThrow(/MAX_CONNECTIONS_PER_NODE must be a whole number/);
    expect(() => loadConfig({ MAX_CONNECTIONS_PER_NODE: '-1' }, secret)).toThrow(/MAX_CONNECTIONS_PER_NODE/);
  });
});
