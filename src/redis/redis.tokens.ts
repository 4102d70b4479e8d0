/** Injection tokens for the four connections every node holds. */
export const REDIS_COMMANDS = Symbol('REDIS_COMMANDS');
/**
 * Handshakes and room joins: a connection of their own with the longer REDIS_ADMISSION_TIMEOUT_MS, so that a
 * reconnect storm neither times them out nor queues sends behind them. Every script defined on REDIS_COMMANDS
 * is defined here too.
 */
export const REDIS_ADMISSION = Symbol('REDIS_ADMISSION');
export const REDIS_PUBLISHER = Symbol('REDIS_PUBLISHER');
export const REDIS_SUBSCRIBER = Symbol('REDIS_SUBSCRIBER');

export type { Redis as RedisClient, Cluster as RedisClusterClient } from 'ioredis';
