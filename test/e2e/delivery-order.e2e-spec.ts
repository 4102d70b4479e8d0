import Redis from 'ioredis';
import { connect, nextEvent, requestOk, wholeHistory } from '../support/clients';
import { Condition, untilTrue } from '../support/condition';
import { expectOneOrderForEveryMember, Member, Message, sendMany, sortedIds } from '../support/room-members';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

describe('delivery order: one order per room on every connection', () => {
  const cluster = useCluster(3, { THROTTLE_WS_LIMIT: '0' });
  const seen = new Condition(() => 'messages so far');

  // first in the file: node C follows no room yet, so the leave below ends its last room subscription
  it("a node that stops following its last room keeps receiving the adapter's broadcasts on the same subscriber", async () => {
    const [, nodeB, nodeC] = cluster.nodes;
    const room = uniqueRoom('left');
    const leaver = await Member.socketIo(nodeC.url, 'leaver', room, seen);
    await requestOk(leaver.socket, 'room:leave', { room });
    const observer = await connect(nodeC.url, { token: makeToken({ sub: 'observer' }) });
    const sender = await connect(nodeB.url, { token: makeToken({ sub: 'dm-sender' }) });
    const hears = nextEvent(observer, 'message');
    const dm = await requestOk(sender, 'dm:send', { to: 'observer', content: 'still there?' });
    expect(await hears).toEqual(dm);
  });

  it('4 senders on 2 nodes, 150 messages each at once: every member, Socket.IO and /ws on both nodes, gets all 600 once, in id order', async () => {
    const room = uniqueRoom('order');
    const [nodeA, nodeB] = cluster.nodes;
    const listeners = [
      await Member.socketIo(nodeA.url, 'listener-a1', room, seen),
      await Member.socketIo(nodeA.url, 'listener-a2', room, seen),
      await Member.plain(nodeA.url, 'listener-a3', room, seen),
      await Member.socketIo(nodeB.url, 'listener-b1', room, seen),
      await Member.socketIo(nodeB.url, 'listener-b2', room, seen),
      await Member.plain(nodeB.url, 'listener-b3', room, seen),
    ];
    const senders = await Promise.all([nodeA, nodeA, nodeB, nodeB].map((node, i) => Member.socketIo(node.url, `sender-${i}`, room, seen)));

    const all = await expectOneOrderForEveryMember(room, senders, listeners, 150, seen);
    expect((await wholeHistory<Message>(senders[0].socket, room)).map((message) => message.id)).toEqual(all);
  }, 60_000);

  it('a join, with or without since, under concurrent sends from two nodes, neither misses nor repeats a message', async () => {
    const room = uniqueRoom('join-cursor');
    const [nodeA, nodeB, nodeC] = cluster.nodes;
    const senders = await Promise.all([nodeA, nodeB].map((node, i) => Member.socketIo(node.url, `sender-${i}`, room, seen)));
    let acked = 0;
    const ack = () => {
      acked += 1;
      seen.changed();
    };
    // followers hop between nodes, rejoining with the last id they received; node C holds the room only while
    // the hopper is there, so each of its joins there starts a fresh subscription
    const routes = [
      [nodeA, nodeB, nodeA, nodeB],
      [nodeB, nodeA, nodeB, nodeA],
      [nodeA, nodeC, nodeA, nodeC],
      [nodeC, nodeB, nodeC, nodeB],
    ];
    const hopAt = [30, 90, 150];
    const follow = async (route: (typeof routes)[number], i: number) => {
      const received: string[] = [];
      const member = new Member(`follower-${i}`, room, seen);
      for (let hop = 0; hop < route.length; hop++) {
        const socket = await connect(route[hop].url, { token: makeToken({ sub: member.name }) });
        // events that come while the join is answered are newer than its catch-up: a client puts them after it
        let duringJoin: string[] | undefined = [];
        socket.on('message', (message: Message) => {
          if (message.room !== room) return;
          (duringJoin ?? received).push(message.id);
          seen.changed();
        });
        const since = received.at(-1);
        const joined = await requestOk<{ messages: Message[] }>(socket, 'room:join', since ? { room, since } : { room });
        received.push(...joined.messages.map((message) => message.id), ...duringJoin);
        duringJoin = undefined;
        if (hop < route.length - 1) {
          await seen.until(() => acked >= hopAt[hop] + i * 5);
          socket.disconnect();
        } else {
          return { received, socket };
        }
      }
      throw new Error('unreachable');
    };
    const followers = Promise.all(routes.map(follow));
    const sent = await Promise.all(senders.map((sender) => sendMany(sender.socket, room, sender.name, 120, 3, ack)));
    const last = sortedIds(sent.flat()).at(-1)!;
    const done = await followers;
    await seen.until(() => done.every(({ received }) => received.includes(last)));

    const stream = (await wholeHistory<Message>(senders[0].socket, room)).map((message) => message.id);
    expect(stream).toEqual(sortedIds(sent.flat()));
    for (const { received } of done) {
      expect(received.length).toBeGreaterThan(0);
      expect(received).toEqual(stream.slice(stream.indexOf(received[0])));
    }
  }, 60_000);

  it("CLIENT KILL of a node's subscriber while another node sends: no client disconnects, and every message arrives once, in order", async () => {
    const room = uniqueRoom('subscriber-kill');
    const [nodeA, nodeB] = cluster.nodes;
    const members = [
      await Member.socketIo(nodeB.url, 'member-b1', room, seen),
      await Member.socketIo(nodeB.url, 'member-b2', room, seen),
      await Member.plain(nodeB.url, 'member-b3', room, seen),
      await Member.socketIo(nodeA.url, 'member-a1', room, seen),
    ];
    const sender = await Member.socketIo(nodeA.url, 'sender', room, seen);
    const operator = new Redis(cluster.redis.url);
    try {
      // after a kill, the subscriber is back once ioredis reconnected it, which nothing announces: looked for until it is
      const subscriberOfB = () =>
        untilTrue(async () => {
          const clients = (await operator.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
          return clients
            .split('\n')
            .find((entry) => / name=chat:node-2:subscriber /.test(entry))
            ?.match(/^id=(\d+) /)?.[1];
        }, "node 2's subscriber connected");
      let acked = 0;
      const sending = sendMany(sender.socket, room, 'sender', 200, 4, () => {
        acked += 1;
        seen.changed();
      });
      for (const at of [40, 120]) {
        await seen.until(() => acked >= at);
        expect(await operator.call('CLIENT', 'KILL', 'ID', await subscriberOfB())).toBe(1);
      }
      const all = sortedIds(await sending);
      await seen.until(() => members.every((member) => member.ids.length >= all.length || member.disconnects > 0), 30_000);

      for (const member of members)
        expect({ member: member.name, disconnects: member.disconnects, ids: member.ids }).toEqual({ member: member.name, disconnects: 0, ids: all });
    } finally {
      operator.disconnect();
    }
  }, 60_000);
});
