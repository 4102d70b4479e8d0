import type Redis from 'ioredis';

/** Everything a key holds, as text, whatever its type: to check that no key keeps a given value. */
export async function dumpKey(redis: Redis, key: string): Promise<string> {
  switch (await redis.type(key)) {
    case 'string':
      return (await redis.get(key)) ?? '';
    case 'hash':
      return JSON.stringify(await redis.hgetall(key));
    case 'list':
      return JSON.stringify(await redis.lrange(key, 0, -1));
    case 'set':
      return JSON.stringify(await redis.smembers(key));
    case 'zset':
      return JSON.stringify(await redis.zrange(key, '0', '-1'));
    case 'stream':
      return JSON.stringify(await redis.xrange(key, '-', '+'));
    default:
      return '';
  }
}

/** The keys matching `pattern` whose content includes `text`. */
export async function keysHolding(redis: Redis, pattern: string, text: string): Promise<string[]> {
  const holding: string[] = [];
  for (const key of await redis.keys(pattern)) if ((await dumpKey(redis, key)).includes(text)) holding.push(key);
  return holding;
}
