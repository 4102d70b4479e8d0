import Redis from 'ioredis';
import { defineLoadedScripts, Script, ScriptArg } from '../../src/redis/scripts';
import { startRedis, TestRedis } from './redis-server';

/** What a script may reach besides its KEYS: keys under a prefix it is given in ARGV, sharded channels it publishes on. */
export interface Reach {
  prefixes?: string[];
  channels?: string[];
}

type AnyScript = Script<any, any, unknown>;

export interface ScriptProbe {
  /** An unrestricted connection: seeds keys before a script runs and reads them after. */
  readonly redis: Redis;
  /**
   * Runs the script as a Redis ACL user that may touch exactly its KEYS (and `reach`), nothing else: a key the
   * script builds itself, read or written, fails the run with Redis's NOPERM error.
   */
  run<Keys extends readonly string[], Args extends readonly ScriptArg[], Reply>(
    script: Script<Keys, Args, Reply>,
    keys: Keys,
    args: Args,
    reach?: Reach,
  ): Promise<Reply>;
}

const PROBE_USER = 'script-probe';
const PROBE_PASSWORD = 'script-probe-password';

/** A Redis ACL pattern matching exactly `name`: glob characters escaped. */
const exactly = (name: string) => name.replace(/[*?[\]\\]/g, (char) => `\\${char}`);

/**
 * The Redis tier's fixture: one real redis-server for the file (fails loudly when redis-server is missing), emptied
 * before each test, and a probe that runs scripts as a user limited to their declared keys. After the file, every
 * script of `covered` must have run at least once: a script added to a feature without a test here fails its file.
 */
export function useScriptProbe(covered: Record<string, AnyScript>[]): ScriptProbe {
  let server: TestRedis;
  let admin: Redis;
  let probe: Redis;
  const ran = new Set<AnyScript>();

  beforeAll(async () => {
    server = await startRedis();
    admin = new Redis(server.url);
    await admin.call('ACL', 'SETUSER', PROBE_USER, 'on', `>${PROBE_PASSWORD}`, 'resetkeys', 'resetchannels', '+@all');
    // as the nodes' commands connections: auto-pipelined, every script defined before the first command
    probe = new Redis(server.url, { username: PROBE_USER, password: PROBE_PASSWORD, enableAutoPipelining: true });
    defineLoadedScripts(probe);
  });

  beforeEach(async () => {
    await admin.flushall();
  });

  afterAll(async () => {
    probe?.disconnect();
    admin?.disconnect();
    await server?.stop();
    const missed = covered.flatMap((scripts) => Object.values(scripts)).filter((script) => !ran.has(script));
    if (missed.length > 0) throw new Error(`no test ran ${missed.map((script) => script.file).join(', ')}`);
  });

  return {
    get redis() {
      return admin;
    },
    async run(script, keys, args, { prefixes = [], channels = [] } = {}) {
      await admin.call(
        'ACL',
        'SETUSER',
        PROBE_USER,
        'resetkeys',
        ...keys.map((key) => `~${exactly(key)}`),
        ...prefixes.map((prefix) => `~${exactly(prefix)}*`),
        'resetchannels',
        ...channels.map((channel) => `&${exactly(channel)}`),
      );
      ran.add(script as AnyScript);
      return script.run(probe, keys, args);
    },
  };
}
