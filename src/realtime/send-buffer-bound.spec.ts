import { EventEmitter } from 'node:events';
import { boundSendBuffers, SlowConsumer } from './send-buffer-bound';

/** An engine.io connection as the bound sees it: its events, its transport, its close. */
class FakeEngineConnection extends EventEmitter {
  readonly remoteAddress = '10.0.0.7';
  closedWith?: boolean;
  terminated = false;
  transport: { name: string; socket?: { bufferedAmount: number; terminate(): void } };

  constructor(name: 'websocket' | 'polling', bufferedAmount = 0) {
    super();
    const socket = { bufferedAmount, terminate: () => (this.terminated = true) };
    this.transport = name === 'websocket' ? { name, socket } : { name };
  }

  close(discard?: boolean): void {
    this.closedWith = discard;
  }

  /** What engine.io does for each packet: announce it, then queue it. */
  queue(bytes: number): void {
    this.emit('packetCreate', { type: 'message', data: 'x'.repeat(bytes) });
  }
}

function bounded(maxBytes: number) {
  const engine = new EventEmitter();
  const closed: SlowConsumer[] = [];
  boundSendBuffers(engine as never, maxBytes, (consumer) => closed.push(consumer));
  const connect = (connection: FakeEngineConnection) => (engine.emit('connection', connection), connection);
  return { connect, closed };
}

const settled = () => new Promise<void>((resolve) => queueMicrotask(resolve));

describe('boundSendBuffers', () => {
  it('closes a polling connection whose unpolled packets pass the bound, discarding them, once the send under way returned', async () => {
    const { connect, closed } = bounded(1000);
    const connection = connect(new FakeEngineConnection('polling'));
    connection.queue(600);
    connection.queue(400);
    await settled();
    expect(connection.closedWith).toBeUndefined();
    connection.queue(1);
    expect(connection.closedWith).toBeUndefined();
    await settled();
    expect(connection.closedWith).toBe(true);
    expect(closed).toEqual([{ transport: 'polling', remoteAddress: '10.0.0.7' }]);
  });

  it('forgets what a flush handed to the transport, and counts what the WebSocket has not written yet instead', async () => {
    const { connect, closed } = bounded(1000);
    const connection = connect(new FakeEngineConnection('websocket', 0));
    connection.queue(900);
    connection.emit('flush');
    connection.queue(900);
    await settled();
    expect(closed).toEqual([]);

    connection.emit('flush');
    connection.transport.socket!.bufferedAmount = 950;
    connection.queue(100);
    await settled();
    expect(connection.closedWith).toBe(true);
    expect(connection.terminated).toBe(true);
    expect(closed).toEqual([{ transport: 'websocket', remoteAddress: '10.0.0.7' }]);
  });

  it('closes a connection once, however many packets follow the one that passed the bound', async () => {
    const { connect, closed } = bounded(1000);
    const connection = connect(new FakeEngineConnection('polling'));
    for (let i = 0; i < 5; i++) connection.queue(600);
    await settled();
    expect(closed).toHaveLength(1);
  });
});
