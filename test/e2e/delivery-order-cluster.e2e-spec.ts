import Redis from 'ioredis';
import { Condition } from '../support/condition';
import { masterPortOf, redisCli } from '../support/redis-failover';
import { expectOneOrderForEveryMember, Member, sendMany, sortedIds } from '../support/room-members';
import { uniqueRoom, useRedisCluster } from '../support/scenario';

/** The same order on Redis Cluster: each room's live channel is sharded, in the room's slot, beside its stream. */
describe('delivery order on Redis Cluster (3 masters, 2 nodes)', () => {
  const cluster = useRedisCluster(3, 2);
  const seen = new Condition(() => 'messages so far');

  it('4 senders on 2 nodes, 150 messages each at once: every member, Socket.IO and /ws on both nodes, gets all 600 once, in id order', async () => {
    const room = uniqueRoom('cluster-order');
    const [nodeA, nodeB] = cluster.nodes;
    const listeners = [
      await Member.socketIo(nodeA.url, 'listener-a1', room, seen),
      await Member.plain(nodeA.url, 'listener-a2', room, seen),
      await Member.socketIo(nodeB.url, 'listener-b1', room, seen),
      await Member.plain(nodeB.url, 'listener-b2', room, seen),
    ];
    const senders = await Promise.all([nodeA, nodeA, nodeB, nodeB].map((node, i) => Member.socketIo(node.url, `sender-${i}`, room, seen)));

    await expectOneOrderForEveryMember(room, senders, listeners, 150, seen);
  }, 60_000);

  it("CLIENT KILL of a node's sharded subscriber on the room's master while the other node sends: no disconnect, every message once, in order", async () => {
    const room = uniqueRoom('cluster-kill');
    const [nodeA, nodeB] = cluster.nodes;
    const members = [await Member.socketIo(nodeB.url, 'member-b1', room, seen), await Member.plain(nodeB.url, 'member-b2', room, seen)];
    const sender = await Member.socketIo(nodeA.url, 'sender', room, seen);
    const [anyPort] = cluster.redis.ports;
    const masterPort = (await masterPortOf(Number(await redisCli(anyPort, 'cluster', 'keyslot', `chat:{${room}}:live`)), anyPort))!;
    const operator = new Redis(masterPort, '127.0.0.1');
    try {
      const shardSubscriberOfB = async () => {
        const clients = (await operator.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
        const line = clients.split('\n').find((entry) => /name=\S*ssubscriber\S*chat:node-2:subscriber /.test(entry));
        if (!line) throw new Error(`no sharded subscriber of node-2 on ${masterPort}:\n${clients}`);
        return line.match(/^id=(\d+) /)![1];
      };
      let acked = 0;
      const sending = sendMany(sender.socket, room, 'sender', 200, 4, () => {
        acked += 1;
        seen.changed();
      });
      await seen.until(() => acked >= 50);
      expect(await operator.call('CLIENT', 'KILL', 'ID', await shardSubscriberOfB())).toBe(1);
      const all = sortedIds(await sending);
      await seen.until(() => members.every((member) => member.ids.length >= all.length || member.disconnects > 0), 30_000);
      for (const member of members)
        expect({ member: member.name, disconnects: member.disconnects, ids: member.ids }).toEqual({ member: member.name, disconnects: 0, ids: all });
    } finally {
      operator.disconnect();
    }
  }, 60_000);
});
