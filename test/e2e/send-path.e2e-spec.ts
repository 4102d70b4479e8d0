import Redis from 'ioredis';
import { collect, connect, requestOk } from '../support/clients';
import { Condition } from '../support/condition';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

const SENDS = 20;
const FLUSH_MS = 20;

/** `at`: when Redis ran it, in milliseconds of its clock (MONITOR's timestamp). */
type Command = { name: string; args: string[]; source: string; at: number };

/**
 * What one `message:send` costs Redis, seen by MONITOR on the real redis-server of two real nodes: the append
 * (which publishes the message on the room's live channel itself: no PUBLISH from the node), and the search
 * index written by one script per room per flush window; for a message without mentions in a room whose members
 * are online, nothing of offline delivery or push.
 */
describe('the send path in Redis commands', () => {
  const cluster = useCluster(2, { THROTTLE_WS_LIMIT: '0', SEARCH_INDEX_FLUSH_MS: String(FLUSH_MS) });
  let monitorClient: Redis;
  let monitor: Redis;
  const commands: Command[] = [];
  const seen = new Condition(() => `${commands.length} commands`);

  beforeAll(async () => {
    monitorClient = new Redis(cluster.redis.url);
    monitor = await monitorClient.monitor();
    monitor.on('monitor', (time: string, [name, ...args]: string[], source: string) => {
      commands.push({ name: name.toLowerCase(), args, source, at: Number(time) * 1000 });
      seen.changed();
    });
  });

  afterAll(() => {
    monitor.disconnect();
    monitorClient.disconnect();
  });

  const user = (url: string, sub: string) => connect(url, { token: makeToken({ sub }) });
  const fromClients = (from: number) => commands.slice(from).filter((command) => command.source !== 'lua');
  // a script's first run on a server is an EVAL after the EVALSHA that Redis answered NOSCRIPT
  const isScript = (command: Command) => command.name === 'evalsha' || command.name === 'eval';
  const touches = (pattern: RegExp) => (command: Command) => command.args.some((arg) => pattern.test(arg));
  const offlineWork = touches(/^user:\{user:[^}]+\}:grants$|^push:\{user:/);

  it('writes the index of a burst of sends with a few script calls, and does no offline or push work for them', async () => {
    const room = uniqueRoom('hot');
    const alice = await user(cluster.nodes[0].url, 'alice');
    const bob = await user(cluster.nodes[1].url, 'bob');
    await requestOk(alice, 'room:join', { room });
    await requestOk(bob, 'room:join', { room });
    (await user(cluster.nodes[1].url, 'carol')).close(); // known to the cluster (grants stored), now offline
    // the handshake stores the grants without holding the connection up for it: wait for the write, so that it
    // does not land among the sends' commands
    await seen.until(() => commands.some((command) => command.name === 'set' && command.args[0] === 'user:{user:carol}:grants'));
    const atBob = collect(bob, 'message');
    const from = commands.length;

    const sent = await Promise.all(
      Array.from({ length: SENDS }, (_, i) => requestOk<{ id: string }>(alice, 'message:send', { room, content: `status update number ${i}` })),
    );
    const indexCalls = () =>
      fromClients(from).filter(
        (command) => isScript(command) && command.args[2] === `search:{${room}}:docs` && !command.args.includes(`search:{${room}}:scratch`),
      );
    const indexedIds = () => new Set(indexCalls().flatMap((call) => sent.map((message) => message.id).filter((id) => call.args.includes(id))));
    await seen
      .until(() => indexedIds().size === SENDS && atBob.length === SENDS)
      .catch((error: Error) => {
        console.log(
          fromClients(from)
            .map((command) => `${command.name} ${command.args.slice(0, 6).join(' ')}`)
            .join('\n'),
        );
        throw error;
      });

    const issued = fromClients(from);
    // the index script names the stream too (its entries expire with it), as its second key
    const appends = issued.filter((command) => isScript(command) && command.args[2] === `chat:{${room}}:messages`);
    const publishes = issued.filter((command) => /^s?publish$/.test(command.name) && command.args.some((arg) => arg.includes(room)));
    const publishedByAppends = commands
      .slice(from)
      .filter((command) => command.source === 'lua' && command.name === 'spublish' && command.args[0] === `chat:{${room}}:live`);
    const indexSpanMs = Math.round(indexCalls()[indexCalls().length - 1].at - appends[0].at);
    console.log(
      `${SENDS} concurrent sends without mentions: ${appends.length} append scripts, ${publishes.length} publishes, ${indexCalls().length} index script calls ` +
        `over ${indexSpanMs} ms from the first append (SEARCH_INDEX_FLUSH_MS=${FLUSH_MS}), ` +
        `${issued.length} client commands in all while they ran`,
    );
    expect(appends).toHaveLength(SENDS);
    expect(publishes).toEqual([]);
    expect(publishedByAppends).toHaveLength(SENDS);
    // the node writes a room's index once per flush window: a window opens with the first change queued after
    // the last flush and closes SEARCH_INDEX_FLUSH_MS later, so n calls take n windows after the first append,
    // however the load spread the sends (one call per send would take one window in all). One window more for
    // Node's timers, armed from the event loop's clock, which lags while a callback runs.
    const calls = indexCalls();
    expect(calls.length).toBeLessThanOrEqual(Math.floor(indexSpanMs / FLUSH_MS) + 1);
    // and each message is in exactly one of them
    expect(calls.flatMap((call) => sent.filter((message) => call.args.includes(message.id))).length).toBe(SENDS);
    expect(issued.filter(offlineWork)).toEqual([]);

    // the detector sees offline delivery when there is some: a mention of carol, who is offline
    const mentionFrom = commands.length;
    await requestOk(alice, 'message:send', { room, content: '@carol please look' });
    await seen.until(() => fromClients(mentionFrom).some(offlineWork));

    const found = await requestOk<{ messages: { id: string }[] }>(bob, 'message:search', { query: 'status update', room, limit: 50 });
    expect(found.messages.map((message) => message.id).sort()).toEqual(sent.map((message) => message.id).sort());
  });
});
