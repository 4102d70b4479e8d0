import { installedVersion, LibrarySeamError, verifyLibrarySeams } from './library-seam';

describe('verifyLibrarySeams', () => {
  it('names every broken seam with its library and installed version, after checking them all', async () => {
    const checked: string[] = [];
    const seams = [
      { library: 'ws', internal: 'first', verify: () => void checked.push('first') },
      {
        library: 'ws',
        internal: 'second',
        verify: () => {
          checked.push('second');
          throw new Error('gone');
        },
      },
      { library: 'no-such-library', internal: 'third', verify: () => Promise.reject(new Error('moved')) },
    ];

    const failure = await verifyLibrarySeams(seams).catch((error: unknown) => error);

    expect(checked).toEqual(['first', 'second']);
    expect(failure).toBeInstanceOf(LibrarySeamError);
    expect((failure as LibrarySeamError).failures).toEqual([`ws ${installedVersion('ws')}: second: gone`, 'no-such-library not installed: third: moved']);
    expect(installedVersion('ws')).toMatch(/^8\./);
  });

  it('resolves when every seam holds', async () => {
    await expect(verifyLibrarySeams([{ library: 'ws', internal: 'x', verify: () => undefined }])).resolves.toBeUndefined();
  });
});
