import { fake } from '../testing/fakes';
import type { IndexOperation, SearchIndexFailures } from './search-index-failures';
import type { RoomIndexChange, SearchIndexRepository } from './search-index.repository';
import { MAX_CHANGES_PER_CALL, SearchIndexWriter } from './search-index.writer';

interface Call {
  room: string;
  changes: { kind: RoomIndexChange['kind']; messageId: string; terms?: Record<string, number> }[];
}

function setUp(flushMs = 0) {
  const calls: Call[] = [];
  const failed: { room: string; changes: { operation: IndexOperation; messageId: string }[]; error: string }[] = [];
  /** Rooms whose script call fails, as when Redis is unreachable. */
  const failingRooms = new Set<string>();
  const repository = fake<SearchIndexRepository>(
    {
      apply: async (room, changes) => {
        calls.push({ room, changes: changes.map(({ terms, ...change }) => ({ ...change, ...(terms ? { terms: Object.fromEntries(terms) } : {}) })) });
        if (failingRooms.has(room)) throw new Error('Connection is closed.');
      },
    },
    'SearchIndexRepository',
  );
  const failures = fake<SearchIndexFailures>(
    {
      record: (room, changes, error) =>
        void failed.push({ room, changes: changes.map(({ operation, messageId }) => ({ operation, messageId })), error: error.message }),
    },
    'SearchIndexFailures',
  );
  const writer = new SearchIndexWriter(repository, failures, { searchIndexFlushMs: flushMs });
  return { writer, calls, failed, failingRooms };
}

describe('SearchIndexWriter', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it("writes nothing on the caller's turn, then one call per room with its changes in order and their words counted", async () => {
    const { writer, calls } = setUp();
    writer.index('general', { id: '1-0', content: 'Deploy deploy now' });
    writer.index('random', { id: '2-0', content: 'hello' });
    writer.reindex('general', { id: '1-0', content: 'rolled back' });
    writer.unindex('general', ['0-5', '0-6']);
    expect(calls).toEqual([]);

    await jest.advanceTimersByTimeAsync(0);

    expect(calls).toEqual([
      {
        room: 'general',
        changes: [
          { kind: 'new', messageId: '1-0', terms: { deploy: 2, now: 1 } },
          { kind: 'replace', messageId: '1-0', terms: { rolled: 1, back: 1 } },
          { kind: 'remove', messageId: '0-5' },
          { kind: 'remove', messageId: '0-6' },
        ],
      },
      { room: 'random', changes: [{ kind: 'new', messageId: '2-0', terms: { hello: 1 } }] },
    ]);
  });

  it('gathers changes for SEARCH_INDEX_FLUSH_MS before writing them together', async () => {
    const { writer, calls } = setUp(50);
    writer.index('general', { id: '1-0', content: 'one' });
    await jest.advanceTimersByTimeAsync(30);
    writer.index('general', { id: '2-0', content: 'two' });
    await jest.advanceTimersByTimeAsync(19);
    expect(calls).toEqual([]);

    await jest.advanceTimersByTimeAsync(1);
    expect(calls.map(({ changes }) => changes.map(({ messageId }) => messageId))).toEqual([['1-0', '2-0']]);

    // a new change after a flush waits its own SEARCH_INDEX_FLUSH_MS
    writer.index('general', { id: '3-0', content: 'three' });
    await jest.advanceTimersByTimeAsync(49);
    expect(calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
  });

  it(`splits a room's changes into calls of at most ${MAX_CHANGES_PER_CALL}, in order`, async () => {
    const { writer, calls } = setUp();
    writer.unindex(
      'general',
      Array.from({ length: 2 * MAX_CHANGES_PER_CALL + 1 }, (_, i) => `${i}-0`),
    );
    await writer.flush();
    expect(calls.map(({ changes }) => changes.length)).toEqual([MAX_CHANGES_PER_CALL, MAX_CHANGES_PER_CALL, 1]);
    expect(calls.flatMap(({ changes }) => changes.map(({ messageId }) => messageId))).toEqual(
      Array.from({ length: 2 * MAX_CHANGES_PER_CALL + 1 }, (_, i) => `${i}-0`),
    );
  });

  it('records a failed call with each change it carried, throws nothing, and writes the other rooms', async () => {
    const { writer, calls, failed, failingRooms } = setUp();
    failingRooms.add('general');
    writer.index('general', { id: '1-0', content: 'lost' });
    writer.unindex('general', ['0-5']);
    writer.index('random', { id: '2-0', content: 'kept' });

    await expect(writer.flush()).resolves.toBeUndefined();

    expect(calls.map(({ room }) => room)).toEqual(['general', 'random']);
    expect(failed).toEqual([
      {
        room: 'general',
        changes: [
          { operation: 'index', messageId: '1-0' },
          { operation: 'unindex', messageId: '0-5' },
        ],
        error: 'Connection is closed.',
      },
    ]);
  });

  it('writes what is queued when the application shuts down, without waiting for the timer', async () => {
    const { writer, calls } = setUp(60_000);
    writer.index('general', { id: '1-0', content: 'acknowledged' });
    await writer.beforeApplicationShutdown();
    expect(calls).toHaveLength(1);
    // the timer the queue armed finds nothing left to write
    await jest.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(1);
  });

  it('resolves a flush only once every earlier write settled', async () => {
    const settledWrites: string[] = [];
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const writer = new SearchIndexWriter(
      fake<SearchIndexRepository>({ apply: async (room) => (await (room === 'slow' ? slow : undefined), void settledWrites.push(room)) }),
      fake<SearchIndexFailures>(),
      { searchIndexFlushMs: 0 },
    );
    writer.index('slow', { id: '1-0', content: 'a' });
    await jest.advanceTimersByTimeAsync(0);
    writer.index('fast', { id: '2-0', content: 'b' });
    let isFlushed = false;
    const flushed = writer.flush().then(() => (isFlushed = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(settledWrites).toEqual(['fast']);
    expect(isFlushed).toBe(false);

    release();
    await flushed;
    expect(settledWrites).toEqual(['fast', 'slow']);
  });
});
