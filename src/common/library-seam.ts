import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * One place where this code relies on a library's internals (a private method or field, an undocumented wire
 * format) because the library has no public way to do what is needed. Each lives in one module per library family
 * (`realtime/library-seams.ts`, `redis/library-seams.ts`), the only code that touches it, with a check that the
 * installed version still has it: `main.ts` runs every check before the node starts listening, so an upgrade that
 * breaks one stops the node at start-up, naming it, instead of failing later on a client's message.
 */
export interface LibrarySeam {
  /** The npm package whose internal this is. */
  library: string;
  /** Resolves the package from here: a library used through another one (engine.io through socket.io) is that one's copy. */
  resolvedFrom?: string;
  /** The internal relied on, as the library's source names it. */
  internal: string;
  /** Throws, saying what it found, when the installed version no longer has the internal as this code uses it. */
  verify(): void | Promise<void>;
}

export class LibrarySeamError extends Error {
  constructor(readonly failures: string[]) {
    super(
      `library internals this code relies on have changed (a dependency was upgraded?):\n${failures.map((failure) => `  - ${failure}`).join('\n')}\n` +
        'Each is explained beside its use in library-seams.ts; adapt the seam or pin the previous version.',
    );
    this.name = 'LibrarySeamError';
  }
}

/** Runs every seam's check; rejects with one error naming each broken seam, its library and the installed version. */
export async function verifyLibrarySeams(seams: readonly LibrarySeam[]): Promise<void> {
  const failures: string[] = [];
  for (const seam of seams) {
    try {
      await seam.verify();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      failures.push(`${seam.library} ${installedVersion(seam.library, seam.resolvedFrom)}: ${seam.internal}: ${reason}`);
    }
  }
  if (failures.length > 0) throw new LibrarySeamError(failures);
}

/** Throws `message` unless `condition` holds: the body of a seam's check. */
export function expectInternal(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/**
 * The installed version of a package, as resolved from `from` (a package name whose copy uses it) or from here.
 * Read from its package.json, found upwards from its entry point: some packages do not export their package.json.
 */
export function installedVersion(library: string, from?: string): string {
  try {
    const base = from ? dirname(require.resolve(from)) : __dirname;
    let directory = dirname(require.resolve(library, { paths: [base] }));
    for (;;) {
      const manifest = join(directory, 'package.json');
      if (existsSync(manifest)) {
        const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
        if (name === library) return version ?? 'unknown version';
      }
      const parent = dirname(directory);
      if (parent === directory) return 'unknown version';
      directory = parent;
    }
  } catch {
    return 'not installed';
  }
}
