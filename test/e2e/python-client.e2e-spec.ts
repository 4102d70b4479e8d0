import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { connect, connectError, nextEvent, requestOk } from '../support/clients';
import { uniqueRoom, useCluster } from '../support/scenario';
import { makeToken } from '../support/tokens';

/** Debian's interpreter, where python3-socketio and python3-websocket are installed (`.ci/run` installs them). */
const PYTHON = process.env.PYTHON_BIN ?? '/usr/bin/python3';
const CLIENT_SCRIPT = join(__dirname, '..', 'support', 'python-chat-client.py');
const STEP_TIMEOUT_MS = 15_000;

interface PythonClient {
  /** The data of the next line the script prints for `step`; rejects if the script exits first. */
  step(name: string): Promise<any>;
  readonly exited: Promise<number | null>;
}

function runPythonClient(url: string, token: string, room: string, transport: 'websocket' | 'polling'): PythonClient {
  const child: ChildProcess = spawn(PYTHON, [CLIENT_SCRIPT, url, token, room, transport], { stdio: ['ignore', 'pipe', 'pipe'] });
  const steps: { step: string; data: unknown }[] = [];
  let output = '';
  const waiters: (() => void)[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const lines = output.split('\n');
    output = lines.pop()!;
    for (const line of lines) steps.push(JSON.parse(line));
    waiters.forEach((wake) => wake());
  });
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    exited,
    step: (name) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`python client printed no "${name}" within ${STEP_TIMEOUT_MS} ms:\n${errors}`)), STEP_TIMEOUT_MS);
        const check = () => {
          const found = steps.find((entry) => entry.step === name);
          if (found) {
            clearTimeout(timer);
            resolve(found.data);
          }
        };
        waiters.push(check);
        check();
        void exited.then(() => {
          check();
          clearTimeout(timer);
          reject(new Error(`python client exited before "${name}":\n${errors}`));
        });
      }),
  };
}

/** A connect_error from the transport, before Socket.IO's handshake: what the server answered the request. */
type OriginRefusal = Error & { description?: number | { message?: string } };

function describeRefusal({ message, description }: OriginRefusal): { message: string; response: string } {
  return { message, response: typeof description === 'number' ? `status ${description}` : String(description?.message) };
}

describe('a Python Socket.IO client against production nodes with a CORS allow-list', () => {
  const cluster = useCluster(2, { NODE_ENV: 'production', CORS_ORIGINS: 'https://app.example.com' });
  const nodeA = () => cluster.nodes[0].url;
  const nodeB = () => cluster.nodes[1].url;

  it.each(['websocket', 'polling'] as const)('connects over %s, joins, sends and receives across nodes', async (transport) => {
    const room = uniqueRoom('python');
    const listener = await connect(nodeB(), { token: makeToken({ sub: 'js-user' }) });
    await requestOk(listener, 'room:join', { room });
    const fromPython = nextEvent(listener, 'message', (message) => message.room === room, STEP_TIMEOUT_MS);

    const python = runPythonClient(nodeA(), makeToken({ sub: 'py-user', name: 'Py' }), room, transport);
    expect(await python.step('connected')).toBe(transport);
    expect(await python.step('joined')).toMatchObject({ ok: true, data: { room } });
    const sent = await python.step('sent');
    expect(sent).toMatchObject({ ok: true, data: { room, userId: 'py-user', content: `hello from python over ${transport}` } });
    expect(await fromPython).toEqual(sent.data);

    const reply = await requestOk(listener, 'message:send', { room, content: 'hello from javascript' });
    expect(await python.step('received')).toEqual(reply);
    expect(await python.exited).toBe(0);
  });

  it("still refuses a foreign origin on both transports, and a look-alike of the node's own", async () => {
    const token = makeToken({ sub: 'js-user' });
    const port = new URL(nodeA()).port;
    for (const origin of ['https://evil.example', `http://127.0.0.1:${Number(port) + 1}`, `https://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      for (const transport of ['websocket', 'polling'] as const) {
        const refused = (await connectError(nodeA(), { token, transports: [transport], extraHeaders: { origin } })) as OriginRefusal;
        // refused by the origin check before any handshake (allowRequest): Engine.IO answers a poll 403, which it
        // answers nothing else, and an upgrade 400, as it does any request it refuses; never a Socket.IO refusal
        expect(describeRefusal(refused)).toEqual(
          transport === 'websocket'
            ? { message: 'websocket error', response: 'Unexpected server response: 400' }
            : { message: 'xhr poll error', response: 'status 403' },
        );
      }
    }
    expect((await connect(nodeA(), { token, extraHeaders: { origin: 'https://app.example.com' } })).connected).toBe(true);
    expect((await connect(nodeA(), { token, extraHeaders: { origin: `http://127.0.0.1:${port}` } })).connected).toBe(true);
  });
});
