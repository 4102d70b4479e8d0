import { Writable } from 'node:stream';
import { AppLogger, createPino } from './app-logger';
import { setLogContextReach, withLogContext } from './log-context';
import { redactUrl } from './redaction';

function loggerAt(logLevel: 'info' | 'debug') {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: new AppLogger(createPino({ nodeId: 'node-7', logLevel }, destination)), lines };
}

describe('AppLogger', () => {
  it('writes one JSON object per line with the node id, the level name and the Nest context', () => {
    const { logger, lines } = loggerAt('info');
    logger.log('listening', 'Bootstrap');
    expect(lines).toEqual([expect.objectContaining({ level: 'info', msg: 'listening', context: 'Bootstrap', nodeId: 'node-7' })]);
  });

  describe('with LOG_CONTEXT=async', () => {
    beforeAll(() => setLogContextReach('async'));
    afterAll(() => setLogContextReach('sync'));

    it('adds the connection, user and request ids of the context it runs in, across awaits, and nothing outside one', async () => {
      const { logger, lines } = loggerAt('info');
      await withLogContext({ connectionId: 'c-1', userId: 'alice' }, async () => {
        await Promise.resolve();
        logger.warn('after an await', 'Events');
      });
      withLogContext({ requestId: 'r-1' }, () => logger.log('in a request', 'Http'));
      logger.log('outside', 'Bootstrap');
      expect(lines.map(({ msg, connectionId, userId, requestId }) => ({ msg, connectionId, userId, requestId }))).toEqual([
        { msg: 'after an await', connectionId: 'c-1', userId: 'alice', requestId: undefined },
        { msg: 'in a request', connectionId: undefined, userId: undefined, requestId: 'r-1' },
        { msg: 'outside', connectionId: undefined, userId: undefined, requestId: undefined },
      ]);
    });
  });

  it('by default adds the ids to the lines written before the first await only, nested contexts restoring the outer one', async () => {
    const { logger, lines } = loggerAt('info');
    const work = withLogContext({ connectionId: 'c-1', userId: 'alice' }, async () => {
      logger.log('before an await', 'Events');
      withLogContext({ requestId: 'r-1' }, () => logger.log('nested', 'Http'));
      logger.log('after the nested one', 'Events');
      await Promise.resolve();
      logger.log('after an await', 'Events');
    });
    logger.log('outside', 'Bootstrap');
    await work;
    expect(lines.map(({ msg, connectionId, requestId }) => ({ msg, connectionId, requestId }))).toEqual([
      { msg: 'before an await', connectionId: 'c-1', requestId: undefined },
      { msg: 'nested', connectionId: undefined, requestId: 'r-1' },
      { msg: 'after the nested one', connectionId: 'c-1', requestId: undefined },
      { msg: 'outside', connectionId: undefined, requestId: undefined },
      { msg: 'after an await', connectionId: undefined, requestId: undefined },
    ]);
  });

  it('skips levels below LOG_LEVEL and maps verbose to trace', () => {
    const info = loggerAt('info');
    info.logger.debug('hidden', 'Events');
    info.logger.verbose('hidden too', 'Events');
    expect(info.lines).toEqual([]);
    const debug = loggerAt('debug');
    debug.logger.debug('shown', 'Events');
    expect(debug.lines).toEqual([expect.objectContaining({ level: 'debug', msg: 'shown' })]);
  });

  it("keeps Nest's error(message, stack, context) apart, and serializes an Error", () => {
    const { logger, lines } = loggerAt('info');
    logger.error('failed', 'Error: boom\n    at somewhere', 'Chat');
    logger.error(new Error('thrown'), 'Chat');
    expect(lines[0]).toMatchObject({ level: 'error', msg: 'failed', stack: 'Error: boom\n    at somewhere', context: 'Chat' });
    expect(lines[1]).toMatchObject({ level: 'error', msg: 'thrown', context: 'Chat', err: { message: 'thrown' } });
  });

  it('redacts tokens and authorization headers wherever a logged object carries them', () => {
    const { logger, lines } = loggerAt('info');
    logger.log(
      { msg: 'handshake', auth: { token: 'secret-1' }, headers: { authorization: 'Bearer secret-2', 'x-api-key': 'secret-4' }, token: 'secret-3' },
      'Handshake',
    );
    expect(JSON.stringify(lines)).not.toMatch(/secret-/);
    expect(lines[0]).toMatchObject({ auth: { token: '[redacted]' }, headers: { authorization: '[redacted]', 'x-api-key': '[redacted]' }, token: '[redacted]' });
  });
});

describe('redactUrl', () => {
  it('hides token and access_token query values, and leaves the rest', () => {
    expect(redactUrl('/ws?token=abc.def&room=x')).toBe('/ws?token=[redacted]&room=x');
    expect(redactUrl('/metrics?x=1&access_token=abc#top')).toBe('/metrics?x=1&access_token=[redacted]#top');
    expect(redactUrl('/health')).toBe('/health');
  });
});
