import { collect, connect, nextEvent, requestOk } from '../support/clients';
import { startCluster, startDeadlineMs, stopAll, TestNode } from '../support/nodes';
import { REDIS_START_TIMEOUT_MS } from '../support/redis-server';
import { countCodes, redisCli, SentinelGroup, sendUntilStored, startSentinelGroup } from '../support/redis-failover';
import { makeToken } from '../support/tokens';

const ROOM = 'sentinel-failover';

describe('Redis Sentinel failover (master killed, replica promoted)', () => {
  let group: SentinelGroup;
  let nodes: TestNode[];

  beforeAll(async () => {
    group = await startSentinelGroup(3, 1000);
    nodes = await startCluster(2, group.env);
  }, REDIS_START_TIMEOUT_MS + startDeadlineMs());
  afterAll(async () => {
    await stopAll(nodes ?? []);
    await group?.stop();
  });

  it('stores and delivers again through both nodes once the sentinels promote the replica, without disconnecting a client', async () => {
    const alice = await connect(nodes[0].url, { token: makeToken({ sub: 'alice' }), reconnection: true });
    const bob = await connect(nodes[1].url, { token: makeToken({ sub: 'bob' }), reconnection: true });
    await requestOk(alice, 'room:join', { room: ROOM });
    await requestOk(bob, 'room:join', { room: ROOM });
    const disconnects = [alice, bob].map((socket) => collect<string>(socket, 'disconnect'));
    const toBob = collect<{ id: string; userId: string }>(bob, 'message');
    const before = await requestOk(alice, 'message:send', { room: ROOM, content: 'before the failover' });
    // replication is asynchronous: the message is on the replica before the master dies
    expect(await redisCli(group.master.port, 'wait', '1', '2000')).toBe('1');

    const killedAt = Date.now();
    await group.master.kill();
    const giveUpAt = killedAt + 25_000;
    const viaFirst = await sendUntilStored(alice, ROOM, 'after the failover via node 1', giveUpAt);
    const viaSecond = await sendUntilStored(bob, ROOM, 'after the failover via node 2', giveUpAt);
    console.log(
      `sentinel failover: first stored send ${viaFirst.at - killedAt} ms after SIGKILL of the master via node 1, ` +
        `${viaSecond.at - killedAt} ms via node 2; refusals meanwhile: ${JSON.stringify(countCodes(viaFirst.refusals))}, slowest answer ${viaFirst.slowestAnswerMs} ms`,
    );
    expect(await group.masterPort()).toBe(group.replica.port);
    expect(viaFirst.refusals.filter((code) => !['unavailable', 'operation has timed out'].includes(code))).toEqual([]);

    // after the failover: live delivery across nodes both ways, and history on the promoted replica
    const liveToBob = nextEvent(bob, 'message', (message: { content: string }) => message.content === 'live after failover');
    const live = await requestOk(alice, 'message:send', { room: ROOM, content: 'live after failover' });
    expect(await liveToBob).toEqual(live);
    const toAlice = nextEvent(alice, 'message', (message: { content: string }) => message.content === 'and back');
    const back = await requestOk(bob, 'message:send', { room: ROOM, content: 'and back' });
    expect(await toAlice).toEqual(back);
    const history = (await requestOk(bob, 'message:history', { room: ROOM })).messages.map((message: { id: string }) => message.id);
    expect(history).toEqual([before.id, viaFirst.message.id, viaSecond.message.id, live.id, back.id]);
    // the node filled its gap after its subscriber came back: bob heard alice's messages in order, nobody reconnected
    // (bob's own sends are left out: one stored while his node's subscription was down reaches him with the fill)
    expect(toBob.filter((message) => message.userId === 'alice').map((message) => message.id)).toEqual([before.id, viaFirst.message.id, live.id]);
    expect(disconnects).toEqual([[], []]);
  });
});
