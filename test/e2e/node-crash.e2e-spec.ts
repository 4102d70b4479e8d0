import { connect, disconnection, nextEvent, requestOk } from '../support/clients';
import { startFailoverProxy } from '../support/failover-proxy';
import { httpStatus } from '../support/http';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';
import { FollowedMessage, RoomFollower } from '../support/room-follower';

type Message = FollowedMessage;

describe('node crash: the clients of a SIGKILLed node catch up on another node', () => {
  const cluster = useCluster(2, { THROTTLE_WS_LIMIT: '0' });

  it('reconnects through the load balancer to the surviving node and gets exactly what it missed, once, in order', async () => {
    const [nodeA, nodeB] = cluster.nodes;
    const room = uniqueRoom('crash');
    const balancer = await startFailoverProxy([nodeA.url, nodeB.url]);
    try {
      const alice = await connect(balancer.url, { token: makeToken({ sub: 'alice' }), reconnection: true });
      const followed = new RoomFollower(alice, room);
      await followed.joins[0];
      const bob = await connect(nodeB.url, { token: makeToken({ sub: 'bob' }) });
      await requestOk(bob, 'room:join', { room });
      const lastBeforeCrash = nextEvent(alice, 'message', (m: Message) => m.content === 'before 2');
      const beforeCrash: Message[] = [];
      for (let i = 0; i < 3; i++) beforeCrash.push(await requestOk(bob, 'message:send', { room, content: `before ${i}` }));
      await lastBeforeCrash;

      balancer.hold();
      const lost = disconnection(alice);
      await nodeA.stop('SIGKILL');
      // alice was on node A: node B is alive, yet her connection dropped
      expect(await lost).toBe('transport close');
      const missed: Message[] = [];
      for (let i = 0; i < 5; i++) missed.push(await requestOk(bob, 'message:send', { room, content: `while away ${i}` }));

      const reconnected = nextEvent(alice, 'connect');
      balancer.release();
      await reconnected;
      const catchUp = await followed.joins[1];
      expect(catchUp.messages).toEqual(missed);
      expect(catchUp.complete).toBe(true);

      const live = nextEvent(alice, 'message');
      const after = await requestOk(bob, 'message:send', { room, content: 'live again' });
      expect(await live).toEqual(after);
      // as it arrived, live and with the join: each message once, in order (not the follower's de-duplicated, sorted list)
      expect(followed.received).toEqual([...beforeCrash, ...missed, after]);

      // alice now writes through node B, and bob hears her
      const heard = nextEvent(bob, 'message');
      const reply = await requestOk(alice, 'message:send', { room, content: 'back' });
      expect(await heard).toEqual(reply);
      expect(await httpStatus(`${nodeB.url}/health/ready`)).toBe(200);
    } finally {
      await balancer.close();
    }
  });
});
