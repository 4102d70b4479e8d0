import { join } from 'node:path';
import { luaLibrary } from './scripts';

/** `redis_now_ms()`: Redis time, for the scripts that compare lease and heartbeat ages across nodes. */
export const REDIS_NOW_LUA = luaLibrary(join(__dirname, 'scripts'), 'redis-now.lua');
