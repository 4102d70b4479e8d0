import { DEFAULT_ATTACHMENT_TYPES } from '../config/app-config';
import { isAllowedType, MAX_FILENAME_LENGTH, sanitizeFilename } from './attachment-rules';

describe('attachment types', () => {
  it('accepts exact types and wildcards, ignoring case and parameters', () => {
    expect(isAllowedType('image/png', DEFAULT_ATTACHMENT_TYPES)).toBe(true);
    expect(isAllowedType('IMAGE/WEBP', DEFAULT_ATTACHMENT_TYPES)).toBe(true);
    expect(isAllowedType('text/plain; charset=utf-8', DEFAULT_ATTACHMENT_TYPES)).toBe(true);
    expect(isAllowedType('application/pdf', DEFAULT_ATTACHMENT_TYPES)).toBe(true);
  });

  it('refuses what the list does not name', () => {
    expect(isAllowedType('text/html', DEFAULT_ATTACHMENT_TYPES)).toBe(false);
    expect(isAllowedType('application/x-msdownload', DEFAULT_ATTACHMENT_TYPES)).toBe(false);
    expect(isAllowedType('image', DEFAULT_ATTACHMENT_TYPES)).toBe(false);
    expect(isAllowedType('video/mp4', ['image/*'])).toBe(false);
  });
});

describe('attachment filenames', () => {
  it('drops directories, control and bidi characters and leading dots', () => {
    expect(sanitizeFilename('../../etc/passwd')).toBe('passwd');
    expect(sanitizeFilename('C:\\Users\\me\\report.pdf')).toBe('report.pdf');
    expect(sanitizeFilename('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(sanitizeFilename('a\r\nb\t.txt')).toBe('ab.txt');
    expect(sanitizeFilename('.htaccess')).toBe('htaccess');
  });

  it('replaces characters that headers and file systems refuse, keeps Unicode', () => {
    expect(sanitizeFilename('what?"*<>|:.txt')).toBe('what_______.txt');
    expect(sanitizeFilename('Übersicht 2026.xlsx')).toBe('Übersicht 2026.xlsx');
  });

  it('names a file that has nothing left "file" and cuts long names keeping the extension', () => {
    expect(sanitizeFilename('///')).toBe('file');
    expect(sanitizeFilename('')).toBe('file');
    const long = sanitizeFilename(`${'x'.repeat(500)}.pdf`);
    expect(Array.from(long)).toHaveLength(MAX_FILENAME_LENGTH);
    expect(long.endsWith('.pdf')).toBe(true);
  });
});
