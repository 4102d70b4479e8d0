import { isRedisUnavailable } from './redis-errors';

function redisError(name: string, message: string): Error {
  const error = new Error(message);
  Object.defineProperty(error, 'name', { value: name });
  return error;
}

describe('isRedisUnavailable', () => {
  it.each([
    ['a command refused while disconnected', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
    ['a command in flight when the connection dropped', redisError('MaxRetriesPerRequestError', 'Reached the max retries per request limit (which is 0).')],
    ['an auto-pipelined command cut off by the close', redisError('AbortError', 'Command aborted due to connection close')],
    ['a command that got no answer in time', new Error('Command timed out')],
    ['a closed client', new Error('Connection is closed.')],
    ['a server still loading its AOF', new Error('LOADING Redis is loading the dataset in memory')],
    ['a replica promoted away', new Error("READONLY You can't write against a read only replica.")],
  ])('treats %s as unavailable', (_case, error) => {
    expect(isRedisUnavailable(error)).toBe(true);
  });

  it.each([
    ['a script bug', new Error('ERR Error running script (call to f_123): @user_script:1: bad argument')],
    ['a wrong type', new Error('WRONGTYPE Operation against a key holding the wrong kind of value')],
    ['something that is not an error', 'Connection is closed.'],
  ])('treats %s as a bug, not an outage', (_case, error) => {
    expect(isRedisUnavailable(error)).toBe(false);
  });
});
