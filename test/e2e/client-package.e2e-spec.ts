import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const packageDir = resolve(__dirname, '..', '..', 'client');
const repositoryDir = resolve(packageDir, '..');

/** What a consumer sees of the package, printed by a script that loads it as a CommonJS or an ES module would. */
const PROBE = `
(async () => {
  const file = FILE;
  const exported = Object.keys(api).sort();
  // socket.io-client is loaded by ChatClient.connect: nothing listens on port 1, so it gives up once the time is up
  const connecting = await api.ChatClient.connect({ urls: 'http://127.0.0.1:1', token: 't', connectTimeoutMs: 300 }).catch((error) => error);
  const error = new api.ContractError({ code: 'forbidden', message: 'no', details: { room: 'r' } });
  console.log(JSON.stringify({
    file,
    exported,
    contractError: { isError: error instanceof Error, name: error.name, code: error.code, details: error.details },
    isRetryable: api.isRetryable(new api.RequestTimeoutError('message:send', 1)),
    messageSend: api.ClientEvent.MessageSend,
    namespace: api.CHAT_NAMESPACE,
    wsUrl: api.plainWebSocketUrl('https://chat.example.com/base/', 'a b'),
    connects: [typeof api.ChatClient.connect, typeof api.WsChatClient.connect],
    adminApi: typeof new api.AdminApi({ baseUrl: 'https://chat.example.com', token: 't' }).kick,
    connecting: [connecting.name, connecting.event],
  }));
})();
`;

/** A consumer's TypeScript, in each module format: the exports map's `types` must give each format its declarations. */
const CONSUMER = `
  import { AdminApi, ChatClient, ContractError, WsChatClient, type AuditEntry, type StoredMessage, type WebSocketConstructor } from '@chat/client';
  export const sockets: WebSocketConstructor = WebSocket;
  export async function use(): Promise<string> {
    const client = await WsChatClient.connect({ urls: 'https://chat.example.com', token: () => 't' });
    const other: ChatClient = await ChatClient.connect({ urls: 'https://chat.example.com', token: 't' });
    other.on('message', (message: StoredMessage) => message.content.length);
    const sent = await client.request('message:send', { room: 'r', content: 'hi' });
    const { entries } = await new AdminApi({ token: 't' }).audit({ limit: 1 });
    const first: AuditEntry | undefined = entries[0];
    const code: ContractError['code'] = 'not_joined';
    return sent.id + (first?.target.room ?? '') + code;
  }
`;

/** Runs a command; its output is the failure's message, so that a compiler's or npm's complaint shows in the test's. */
function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

describe('the @chat/client package', () => {
  let workDir: string;
  beforeAll(() => (workDir = mkdtempSync(join(tmpdir(), 'chat-client-package-'))));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it('packs (the build of `npm run build`, not rebuilt while other files run) only its builds, declarations, README and LICENSE, and both builds load with the same API', () => {
    const [packed] = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', workDir], packageDir)) as {
      filename: string;
      files: { path: string }[];
    }[];
    const paths = packed.files.map((file) => file.path);
    expect(paths.filter((path) => !path.startsWith('dist/')).sort()).toEqual(['LICENSE', 'README.md', 'package.json']);
    expect(paths).toEqual(expect.arrayContaining(['dist/index.mjs', 'dist/index.cjs', 'dist/index.d.mts', 'dist/index.d.cts']));

    // installed as a consumer would have it: the tarball under node_modules, its dependency beside it
    const installed = join(workDir, 'node_modules', '@chat', 'client');
    mkdirSync(installed, { recursive: true });
    run('tar', ['-xzf', join(workDir, packed.filename), '-C', installed, '--strip-components=1'], workDir);
    symlinkSync(join(repositoryDir, 'node_modules', 'socket.io-client'), join(workDir, 'node_modules', 'socket.io-client'));
    writeFileSync(join(workDir, 'probe.cjs'), `const api = require('@chat/client');\n${PROBE.replace('FILE', "require.resolve('@chat/client')")}`);
    writeFileSync(join(workDir, 'probe.mjs'), `import * as api from '@chat/client';\n${PROBE.replace('FILE', "import.meta.resolve('@chat/client')")}`);
    const probe = (script: string) => JSON.parse(run(process.execPath, [script], workDir)) as { file: string };

    const required = probe('probe.cjs');
    const imported = probe('probe.mjs');
    expect(required.file).toMatch(/dist\/index\.cjs$/);
    expect(imported.file).toMatch(/dist\/index\.mjs$/);
    const expected = {
      exported: [
        'AdminApi',
        'AdminApiError',
        'CHAT_NAMESPACE',
        'ChatClient',
        'ClientClosedError',
        'ClientEvent',
        'ContractError',
        'PLAIN_WEBSOCKET_PATH',
        'ROOM_NAME_PATTERN',
        'RequestTimeoutError',
        'ServerEvent',
        'WsChatClient',
        'isAfter',
        'isRetryable',
        'newClientMsgId',
        'plainWebSocketUrl',
      ],
      contractError: { isError: true, name: 'ContractError', code: 'forbidden', details: { room: 'r' } },
      isRetryable: true,
      messageSend: 'message:send',
      namespace: '/chat',
      wsUrl: 'wss://chat.example.com/base/ws?token=a+b',
      connects: ['function', 'function'],
      adminApi: 'function',
      connecting: ['RequestTimeoutError', 'connection'],
    };
    expect({ ...required, file: undefined }).toEqual({ ...expected, file: undefined });
    expect({ ...imported, file: undefined }).toEqual({ ...expected, file: undefined });

    // sideEffects: false and socket.io-client loaded on demand: a page bundled with WsChatClient alone leaves it out
    writeFileSync(join(workDir, 'page.mjs'), "import { WsChatClient } from '@chat/client';\nconsole.log(WsChatClient);\n");
    const esbuild = join(repositoryDir, 'node_modules', 'esbuild', 'bin', 'esbuild');
    run(esbuild, ['page.mjs', '--bundle', '--format=esm', '--splitting', '--platform=browser', '--outdir=page'], workDir);
    const entry = readFileSync(join(workDir, 'page', 'page.js'), 'utf8');
    const staticChunks = [...entry.matchAll(/^import .*"\.\/(chunk-[\w-]+\.js)";$/gm)].map(([, chunk]) => readFileSync(join(workDir, 'page', chunk), 'utf8'));
    const loadedWithThePage = [entry, ...staticChunks].join('\n');
    expect(loadedWithThePage).toContain('pass one as the WebSocket option');
    expect(loadedWithThePage).not.toContain('engine.io');

    // its declarations, through the exports map, in an ES module and in a CommonJS module of a consumer
    writeFileSync(join(workDir, 'consumer.mts'), CONSUMER);
    writeFileSync(join(workDir, 'consumer.cts'), CONSUMER);
    const compilerOptions = {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      lib: ['es2022', 'dom'],
      types: [],
      strict: true,
      noEmit: true,
    };
    writeFileSync(join(workDir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.mts', 'consumer.cts'] }));
    run(process.execPath, [join(repositoryDir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', workDir], workDir);
  }, 180_000);
});
