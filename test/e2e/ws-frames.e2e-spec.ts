import * as msgpackParser from 'socket.io-msgpack-parser';
import { connect, disconnection, requestOk } from '../support/clients';
import { rawHttp } from '../support/polling';
import { errorsLogged, startNode, TestNode } from '../support/nodes';
import { closeAllPlainClients, CloseEvent, connectPlain, PlainClient } from '../support/plain-websocket';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

/** Per user and window: small enough to spend with a few frames, above the bad frames a connection may send in a row. */
const BUDGET = 12;
const MAX_BAD_FRAMES_IN_A_ROW = 10;
const PING_INTERVAL_MS = 200;

/** `{ id, event: "message:send", data }` whose data is `levels` arrays deep: 8,000 levels are 16 KB. */
const deepFrame = (id: unknown, levels: number) => `{"id":${JSON.stringify(id)},"event":"message:send","data":${'['.repeat(levels)}${']'.repeat(levels)}}`;

function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: not within ${timeoutMs} ms`)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** The node answers a valid request, over /ws and HTTP: it did not exit, nor stop serving. */
async function expectServing(node: TestNode, sub: string): Promise<void> {
  expect(node.process.exitCode).toBeNull();
  const witness = await connectPlain(node.url, { token: makeToken({ sub }) });
  expect(await witness.requestOk('presence:list', { room: uniqueRoom() })).toEqual({ users: [] });
  expect((await rawHttp(`${node.url}/health/live`)).status).toBe(200);
}

describe('/ws frames: depth, budget, bad frames in a row, unknown events, pongs', () => {
  const cluster = useCluster(1, { THROTTLE_WS_LIMIT: String(BUDGET), THROTTLE_WS_TTL_MS: '60000' });
  const node = () => cluster.nodes[0];
  let msgpackNode: TestNode;
  beforeAll(async () => {
    msgpackNode = await startNode({ REDIS_URL: cluster.redis.url, NODE_ID: 'node-msgpack', SOCKET_PARSER: 'msgpack', THROTTLE_WS_LIMIT: String(BUDGET) });
  });
  afterAll(async () => {
    await msgpackNode?.stop('SIGKILL');
  });
  afterEach(() => closeAllPlainClients());

  describe.each(['json', 'msgpack'])('SOCKET_PARSER=%s', (parser) => {
    const nodeOf = () => (parser === 'json' ? node() : msgpackNode);

    it('answers a frame nested 8,000 levels deep (16 KB) with validation_failed, and the node lives and serves', async () => {
      const client = await connectPlain(nodeOf().url, { token: makeToken({ sub: `deep-${parser}` }) });
      const frame = deepFrame('deep', 8000);
      expect(frame.length).toBeGreaterThan(16_000);

      const answer = client.answerTo('deep');
      client.sendRaw(frame);

      expect(await answer).toMatchObject({ id: 'deep', ok: false, error: { code: 'validation_failed', details: { fields: { data: [expect.any(String)] } } } });
      expect(client.isOpen).toBe(true);
      const room = uniqueRoom();
      await client.requestOk('room:join', { room });
      expect(await client.requestOk('message:send', { room, content: 'still here' })).toMatchObject({ room, content: 'still here' });
      await expectServing(nodeOf(), `witness-${parser}`);
      expect(errorsLogged(nodeOf().logs())).toEqual([]);
    });
  });

  it("SOCKET_PARSER=msgpack: a Socket.IO packet nested 8,000 levels deep closes only its sender's connection, as any undecodable packet", async () => {
    const sender = await connect(msgpackNode.url, { token: makeToken({ sub: 'deep-msgpack-sender' }), parser: msgpackParser });
    const bystander = await connect(msgpackNode.url, { token: makeToken({ sub: 'deep-msgpack-bystander' }), parser: msgpackParser });
    // { type: EVENT, nsp: "/chat", id: 1, data: ["message:send", [[[...]]]] }, spliced by hand: no encoder recurses that deep
    const [encoded] = new msgpackParser.Encoder().encode({ type: 2, nsp: '/chat', id: 1, data: ['message:send', 'DEEP'] }) as unknown as Buffer[];
    const head = Buffer.from(encoded);
    // msgpack's fixstr: 0xa0 + length, then the bytes
    const marker = Buffer.concat([Buffer.from([0xa0 + 4]), Buffer.from('DEEP')]);
    const at = head.indexOf(marker);
    const deep = Buffer.concat([Buffer.alloc(8000, 0x91), Buffer.from([0x90])]);
    const closed = disconnection(sender);

    sender.io.engine.write(Buffer.concat([head.subarray(0, at), deep, head.subarray(at + marker.length)]));

    expect(await closed).toBe('transport close');
    expect(bystander.connected).toBe(true);
    expect(await requestOk(bystander, 'presence:list', { room: uniqueRoom() })).toEqual({ users: [] });
    await expectServing(msgpackNode, 'witness-msgpack-sio');
    expect(errorsLogged(msgpackNode.logs())).toEqual([]);
  });

  it('charges bad frames to the event budget shared with valid events: a client sending them hits rate_limited', async () => {
    const client = await connectPlain(node().url, { token: makeToken({ sub: 'junk-sender' }) });
    const junk: [string | Buffer, boolean][] = [
      ['not json', false],
      [Buffer.from('{"id":1,"event":"room:join"}'), true],
      [JSON.stringify({ id: 'x', event: 'no:such:event' }), false],
      [deepFrame('d', 20), false],
    ];
    const sendBad = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const [frame, binary] = junk[i % junk.length];
        const answer = client.nextUnclaimedAnswer();
        client.sendRaw(frame, binary);
        expect(await answer).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
      }
    };
    // a valid event between them keeps the connection under the bad-frames-in-a-row limit
    await sendBad(MAX_BAD_FRAMES_IN_A_ROW - 1);
    await client.requestOk('presence:list', { room: uniqueRoom() });
    await sendBad(BUDGET - MAX_BAD_FRAMES_IN_A_ROW);

    const answer = client.nextUnclaimedAnswer();
    client.sendRaw('still not json');
    expect(await answer).toMatchObject({ id: null, ok: false, error: { code: 'rate_limited', details: { retryAfterMs: expect.any(Number) } } });
    expect(await client.request('presence:list', { room: uniqueRoom() })).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(client.isOpen).toBe(true);
  });

  it(`closes the connection with 1008 after ${MAX_BAD_FRAMES_IN_A_ROW} bad frames in a row, each answered`, async () => {
    const client = await connectPlain(node().url, { token: makeToken({ sub: 'prober' }) });
    const answers: unknown[] = [];
    client.ws.on('message', (data) => answers.push(JSON.parse(data.toString())));
    for (let i = 0; i < MAX_BAD_FRAMES_IN_A_ROW; i++) client.sendRaw(`junk ${i}`);

    const closed: CloseEvent = await within(client.closed, 5000, 'the connection was closed');

    expect(closed).toEqual({ code: 1008, reason: `${MAX_BAD_FRAMES_IN_A_ROW} bad frames in a row` });
    expect(answers).toHaveLength(MAX_BAD_FRAMES_IN_A_ROW);
    expect(answers).toEqual(
      Array(MAX_BAD_FRAMES_IN_A_ROW).fill(expect.objectContaining({ ok: false, error: expect.objectContaining({ code: 'validation_failed' }) })),
    );
    await expectServing(node(), 'after-prober');
  });

  it('echoes at most 64 characters of an unknown event name', async () => {
    const client = await connectPlain(node().url, { token: makeToken({ sub: 'long-name' }) });
    const name = `${'n'.repeat(64)}${'x'.repeat(20_000)}`;

    const answer = await client.request(name, {}, 'long');

    expect(answer).toMatchObject({ id: 'long', ok: false, error: { code: 'validation_failed', details: { fields: { event: [expect.any(String)] } } } });
    expect(JSON.stringify(answer).length).toBeLessThan(400);
    if (answer.ok) throw new Error('refused above');
    expect(answer.error.message).toBe(`no such event: ${'n'.repeat(64)}…`);
  });

  describe(`with a ping every ${PING_INTERVAL_MS} ms`, () => {
    let pinging: TestNode;
    beforeAll(async () => {
      pinging = await startNode({ REDIS_URL: cluster.redis.url, NODE_ID: 'node-pinging', WS_PING_INTERVAL_MS: String(PING_INTERVAL_MS) });
    });
    afterAll(async () => {
      await pinging?.stop('SIGKILL');
    });

    it("drops a client whose pongs do not echo the server's ping, and keeps one whose pongs do", async () => {
      const silent = await connectPlain(pinging.url, { token: makeToken({ sub: 'unsolicited' }), autoPong: false });
      // a pong for every ping, but not the ping's: what a client that never reads sends on a timer
      silent.ws.on('ping', () => {
        silent.ws.pong();
        silent.ws.pong('keepalive');
      });
      const lively = await connectPlain(pinging.url, { token: makeToken({ sub: 'echoing' }) });

      const closed = await within(silent.closed, 50 * PING_INTERVAL_MS, 'the client that sends unsolicited pongs was dropped');

      expect(closed.code).toBe(1006);
      expect(silent.pingsReceived).toBeGreaterThanOrEqual(1);
      expect(lively.isOpen).toBe(true);
      expect(await lively.requestOk('presence:list', { room: uniqueRoom() })).toEqual({ users: [] });
      expect(lively.pingsReceived).toBeGreaterThanOrEqual(1);
    });
  });
});
