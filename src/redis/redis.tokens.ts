/** Injection tokens for the three connections every node holds. */
export const REDIS_COMMANDS = Symbol('REDIS_COMMANDS');
export const REDIS_PUBLISHER = Symbol('REDIS_PUBLISHER');
export const REDIS_SUBSCRIBER = Symbol('REDIS_SUBSCRIBER');

export type { Redis as RedisClient, Cluster as RedisClusterClient } from 'ioredis';
