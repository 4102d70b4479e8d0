import { createHash, Hash } from 'node:crypto';

/** The last line of every export: how many lines came before it and the SHA-256 of those lines, newlines included. */
export interface ExportManifest {
  type: 'manifest';
  count: number;
  sha256: string;
  [field: string]: unknown;
}

/**
 * Encodes an export's records as NDJSON lines while it digests them, so that the manifest at the end proves
 * the export whole without keeping any of it: memory stays that of one page, whatever the size of the export.
 */
export class DigestedLines {
  private readonly digest: Hash = createHash('sha256');
  private count = 0;

  line(record: object): string {
    const line = `${JSON.stringify(record)}\n`;
    this.digest.update(line);
    this.count += 1;
    return line;
  }

  manifest(fields: Record<string, unknown>): string {
    const manifest: ExportManifest = { type: 'manifest', ...fields, count: this.count, sha256: this.digest.digest('hex') };
    return `${JSON.stringify(manifest)}\n`;
  }
}
