import * as msgpackParser from 'socket.io-msgpack-parser';
import { ChatClient, type StoredMessage } from '../../client/src';
import { connect, nextEvent, requestOk } from '../support/clients';
import { closeAllPlainClients, connectPlain } from '../support/plain-websocket';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

describe('SOCKET_PARSER=msgpack across two nodes: msgpack Socket.IO clients and JSON /ws clients share rooms', () => {
  const cluster = useCluster(2, { SOCKET_PARSER: 'msgpack' });
  const nodeA = () => cluster.nodes[0].url;
  const nodeB = () => cluster.nodes[1].url;
  const typedClients: ChatClient[] = [];
  afterEach(() => {
    closeAllPlainClients();
    for (const client of typedClients.splice(0)) client.close();
  });

  it('delivers both ways between a msgpack client on one node and a JSON /ws client on the other', async () => {
    const room = uniqueRoom('msgpack');
    const packed = await connect(nodeA(), { token: makeToken({ sub: 'packed', name: 'Packed' }), parser: msgpackParser });
    const plain = await connectPlain(nodeB(), { token: makeToken({ sub: 'plain', name: 'Plain' }) });
    await requestOk(packed, 'room:join', { room });
    const joined = await plain.requestOk('room:join', { room });
    expect(joined.presence.map((member: { userId: string }) => member.userId).sort()).toEqual(['packed', 'plain']);

    const content = 'ünïcödé and emoji 🎉, over msgpack';
    const atPlain = plain.next('message', (message: StoredMessage) => message.room === room);
    const sent = await requestOk<StoredMessage>(packed, 'message:send', { room, content, clientMsgId: 'm-1' });
    expect(await atPlain).toEqual(sent);
    expect(sent).toMatchObject({ room, content, userId: 'packed', name: 'Packed' });

    const atPacked = nextEvent<StoredMessage>(packed, 'message', (message) => message.room === room);
    const answered = await plain.requestOk('message:send', { room, content: 'back over JSON' });
    expect(await atPacked).toEqual(answered);

    const history = await requestOk<{ messages: StoredMessage[] }>(packed, 'message:history', { room });
    expect(history.messages.map((message) => message.content)).toEqual([content, 'back over JSON']);
  });

  it('gives refusals to a msgpack client as to any other: connect_error with the contract code, ack errors', async () => {
    await expect(connect(nodeB(), { token: 'not-a-jwt', parser: msgpackParser })).rejects.toMatchObject({
      message: 'unauthorized',
      data: { code: 'token_invalid' },
    });
    const packed = await connect(nodeB(), { token: makeToken({ sub: 'refused' }), parser: msgpackParser });
    const ack = await packed.timeout(5000).emitWithAck('message:send', { room: 'never-joined', content: 'x' });
    expect(ack).toMatchObject({ ok: false, error: { code: 'not_joined' } });
  });

  it('lets the typed client speak msgpack when given the parser', async () => {
    const room = uniqueRoom('typed-msgpack');
    const client = await ChatClient.connect({ urls: nodeA(), token: makeToken({ sub: 'typed' }), parser: msgpackParser });
    typedClients.push(client);
    const plain = await connectPlain(nodeB(), { token: makeToken({ sub: 'listener' }) });
    await plain.requestOk('room:join', { room });
    await client.join(room);
    const atPlain = plain.next('message', (message: StoredMessage) => message.room === room);
    const sent = await client.send(room, 'typed over msgpack');
    expect(await atPlain).toEqual(sent);
  });
});
