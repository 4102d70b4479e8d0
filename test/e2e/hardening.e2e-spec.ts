import { sign } from 'jsonwebtoken';
import { connect, connectError, request, requestOk } from '../support/clients';
import { http } from '../support/http';
import { useCluster } from '../support/scenario';
import { makeToken, TEST_JWT_SECRET } from '../support/tokens';

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

describe('a rooms claim that is not an array of strings', () => {
  const cluster = useCluster(2);
  const nodeA = () => cluster.nodes[0].url;
  const nodeB = () => cluster.nodes[1].url;
  const withRooms = (rooms: unknown) => sign({ sub: 'restricted', exp: inAnHour(), rooms }, TEST_JWT_SECRET);

  it.each([
    ['a single string', 'team-a'],
    ['an array holding a number', ['team-a', 7]],
    ['null', null],
    ['an object', { team: 'team-a' }],
  ])('makes the token token_invalid on every node and on REST: %s', async (_case, rooms) => {
    const token = withRooms(rooms);
    for (const node of [nodeA(), nodeB()]) {
      const refused = await connectError(node, { token });
      expect(refused.message).toBe('unauthorized');
      expect(refused.data.code).toBe('token_invalid');
    }
    expect((await http(nodeA(), 'POST', '/auth/logout', { token })).status).toBe(401);
  });

  it('still restricts a token whose rooms claim is an array of strings', async () => {
    const member = await connect(nodeB(), { token: withRooms(['team-a']) });
    await requestOk(member, 'room:join', { room: 'team-a' });
    expect(await request(member, 'room:join', { room: 'team-b' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('leaves a token without a rooms claim unrestricted', async () => {
    const anyone = await connect(nodeA(), { token: makeToken({ sub: 'anyone' }) });
    await requestOk(anyone, 'room:join', { room: 'team-b' });
  });
});
