import { Logger } from '@nestjs/common';
import { clientEventListener } from './chat-namespace.gateway';
import type { ChatSocket } from './chat-socket';
import { fake, userOf } from '../testing/fakes';

/** What the listener reads of a socket: its id, its user, its transport. */
const socket = fake<ChatSocket>({ id: 'c1', data: { user: userOf('alice'), nodeId: 'test-node', transport: 'socket.io' }, conn: fake<ChatSocket['conn']>({}) }, 'ChatSocket');
const INTERNAL = { ok: false, error: { code: 'internal', message: 'internal error' } };

/** Lets the listener's promise chain settle. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('clientEventListener', () => {
  const logger = new Logger('Test');
  let errorsLogged: jest.SpyInstance;
  let unhandled: unknown[];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    errorsLogged = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    unhandled = [];
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
    errorsLogged.mockRestore();
  });

  it('hands the payload to the router and its answer to the ack', async () => {
    const dispatch = jest.fn(() => Promise.resolve({ ok: true as const, data: { room: 'a' } }));
    const ack = jest.fn();
    clientEventListener({ dispatch }, 'room:join', logger).call(socket, { room: 'a' }, ack);
    await settled();
    expect(dispatch).toHaveBeenCalledWith(expect.objectContaining({ id: 'c1' }), 'room:join', { room: 'a' });
    expect(ack).toHaveBeenCalledWith({ ok: true, data: { room: 'a' } });
  });

  it('answers internal and logs when the router fails, with nothing left unhandled', async () => {
    const dispatch = jest.fn(() => Promise.reject(new RangeError('Maximum call stack size exceeded')));
    const ack = jest.fn();
    clientEventListener({ dispatch }, 'room:join', logger).call(socket, { room: 'a' }, ack);
    await settled();
    expect(ack).toHaveBeenCalledWith(INTERNAL);
    expect(errorsLogged).toHaveBeenCalledWith(expect.stringContaining('RangeError'));
    expect(unhandled).toEqual([]);
  });

  it('answers internal when sending the answer fails, and only logs when that fails too', async () => {
    const dispatch = jest.fn(() => Promise.resolve({ ok: true as const, data: {} }));
    const failingOnce = jest.fn().mockImplementationOnce(() => {
      throw new Error('cannot encode');
    });
    clientEventListener({ dispatch }, 'typing', logger).call(socket, {}, failingOnce);
    await settled();
    expect(failingOnce).toHaveBeenLastCalledWith(INTERNAL);

    const alwaysFailing = jest.fn(() => {
      throw new Error('transport gone');
    });
    clientEventListener({ dispatch }, 'typing', logger).call(socket, {}, alwaysFailing);
    await settled();
    expect(alwaysFailing).toHaveBeenCalledTimes(2);
    expect(errorsLogged).toHaveBeenLastCalledWith(expect.stringContaining('transport gone'));
    expect(unhandled).toEqual([]);
  });
});
