import { join } from 'node:path';
import { luaLibrary } from './scripts';

/** Lua libraries of several features' scripts. `redis_now_ms()`: Redis time, for lease and heartbeat ages across nodes. */
export const REDIS_NOW_LUA = luaLibrary(join(__dirname, 'scripts'), 'redis-now.lua');

/** `stream_id_is_older(a, b)`: `compareStreamIds` for scripts. */
export const STREAM_ID_ORDER_LUA = luaLibrary(join(__dirname, 'scripts'), 'stream-id-order.lua');
