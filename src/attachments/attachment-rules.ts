/** Longest filename kept, in characters; the extension survives the cut. */
export const MAX_FILENAME_LENGTH = 200;
/** Attachments one message may carry. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;

/** `contentType` (parameters such as `; charset=utf-8` ignored) is listed exactly or under a `type/*` wildcard. */
export function isAllowedType(contentType: string, allowedTypes: readonly string[]): boolean {
  const type = essence(contentType);
  const [major, minor] = type.split('/');
  if (!major || !minor) return false;
  return allowedTypes.some((allowed) => allowed === type || allowed === `${major}/*`);
}

/** The media type without parameters, lower case: `Text/Plain; charset=UTF-8` → `text/plain`. */
export function essence(contentType: string): string {
  return contentType.split(';')[0].trim().toLowerCase();
}

/**
 * A filename safe to show and to put in a Content-Disposition header: no directories, no control or
 * bidirectional-override characters (which disguise `exe.pdf` as `fdp.exe`), no characters that file systems
 * or headers refuse, no leading dots; `file` when nothing is left.
 */
export function sanitizeFilename(filename: string): string {
  const base = filename.normalize('NFC').split(/[/\\]/).pop() ?? '';
  const cleaned = base
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '')
    .replace(/["*:<>?|]/g, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  const characters = Array.from(cleaned);
  if (characters.length <= MAX_FILENAME_LENGTH) return cleaned || 'file';
  const dot = cleaned.lastIndexOf('.');
  const extension = dot > 0 && cleaned.length - dot <= 16 ? Array.from(cleaned.slice(dot)) : [];
  return characters.slice(0, MAX_FILENAME_LENGTH - extension.length).join('') + extension.join('');
}
