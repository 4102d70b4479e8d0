import { PresenceRepository } from './presence.repository';

/** A Redis client whose script calls (the member list's, the only one made here) are answered by hand, in the order they were made. */
function scriptedRedis() {
  const calls: { keys: string[]; answer: (flat: (string | null)[]) => void; fail: (error: Error) => void }[] = [];
  const client: Record<string, unknown> = {
    defineCommand: (name: string) => {
      client[name] = (...keys: string[]) =>
        new Promise((answer, fail) => {
          calls.push({ keys, answer, fail });
        });
    },
  };
  return { client, calls };
}

describe('PresenceRepository.members', () => {
  it('answers every caller that asks while a list is under way with that list, and reads again once it is answered', async () => {
    const { client, calls } = scriptedRedis();
    const repository = new PresenceRepository(client as never, client as never);
    const first = repository.members('big');
    const second = repository.members('big');
    const other = repository.members('small');
    expect(calls.map(({ keys }) => keys[0])).toEqual(['chat:{big}:presence:users', 'chat:{small}:presence:users']);

    calls[0].answer(['bob', '1', 'Bob', 'alice', '2', null]);
    const expected = [
      { userId: 'alice', name: null, connections: 2 },
      { userId: 'bob', name: 'Bob', connections: 1 },
    ];
    expect(await first).toEqual(expected);
    expect(await second).toEqual(expected);
    // each caller gets its own array
    expect(await first).not.toBe(await second);

    const later = repository.members('big');
    expect(calls).toHaveLength(3);
    calls[2].answer(['carol', '1', null]);
    expect(await later).toEqual([{ userId: 'carol', name: null, connections: 1 }]);
    calls[1].answer([]);
    expect(await other).toEqual([]);
  });

  it('lets a failed read fail its callers only: the next one reads again', async () => {
    const { client, calls } = scriptedRedis();
    const repository = new PresenceRepository(client as never, client as never);
    const failing = [repository.members('r'), repository.members('r')];
    calls[0].fail(new Error('Connection is closed.'));
    await expect(Promise.all(failing)).rejects.toThrow('Connection is closed.');
    const again = repository.members('r');
    expect(calls).toHaveLength(2);
    calls[1].answer([]);
    expect(await again).toEqual([]);
  });
});
