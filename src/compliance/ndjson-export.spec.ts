import { createHash } from 'node:crypto';
import { DigestedLines } from './ndjson-export';

describe('DigestedLines', () => {
  it('closes with a manifest counting the lines before it and digesting exactly their bytes, newlines included', () => {
    const lines = new DigestedLines();
    const written = [lines.line({ id: '1-0', content: 'héllo' }), lines.line({ id: '2-0', content: 'line\nbreak' })];
    const manifest = JSON.parse(lines.manifest({ room: 'general' }));
    expect(written.every((line) => line.endsWith('\n') && line.indexOf('\n') === line.length - 1)).toBe(true);
    expect(manifest).toEqual({ type: 'manifest', room: 'general', count: 2, sha256: createHash('sha256').update(written.join('')).digest('hex') });
  });

  it('an export with no line digests nothing', () => {
    expect(JSON.parse(new DigestedLines().manifest({ userId: 'ivan' }))).toEqual({
      type: 'manifest',
      userId: 'ivan',
      count: 0,
      sha256: createHash('sha256').update('').digest('hex'),
    });
  });
});
