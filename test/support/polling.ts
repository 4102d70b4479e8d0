import { IncomingHttpHeaders, request as httpRequest } from 'node:http';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A plain HTTP request with any headers (fetch would refuse to set Origin), for CORS and raw protocol tests. */
export function rawHttp(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from ${url} within 10 s`)));
    req.end(options.body);
  });
}

const RECORD_SEPARATOR = '\x1e';

/**
 * Engine.IO v4 long-polling driven packet by packet, to send what a socket.io client never would: events
 * before or without a namespace handshake. Socket.IO packets ride in Engine.IO `4` (message) packets:
 * `40/chat,{auth}` connect, `42/chat,<id>[event, payload]` event, `43/chat,<id>[ack]`, `44/chat,{error}`.
 */
export class PollingClient {
  private constructor(
    private readonly endpoint: string,
    readonly sid: string,
  ) {}

  static async open(baseUrl: string, headers: Record<string, string> = {}): Promise<PollingClient> {
    const endpoint = `${baseUrl}/socket.io/?EIO=4&transport=polling`;
    const response = await rawHttp(endpoint, { headers });
    if (response.status !== 200 || !response.body.startsWith('0')) throw new Error(`polling handshake failed: ${response.status} ${response.body}`);
    const { sid } = JSON.parse(response.body.slice(1)) as { sid: string };
    return new PollingClient(endpoint, sid);
  }

  async send(...socketIoPackets: string[]): Promise<void> {
    const body = socketIoPackets.map((packet) => `4${packet}`).join(RECORD_SEPARATOR);
    const response = await rawHttp(`${this.endpoint}&sid=${this.sid}`, { method: 'POST', body, headers: { 'content-type': 'text/plain;charset=UTF-8' } });
    if (response.status !== 200) throw new Error(`polling send failed: ${response.status} ${response.body}`);
  }

  /** The Socket.IO packets of the next poll (Engine.IO pings are answered and left out). */
  async poll(): Promise<string[]> {
    const response = await rawHttp(`${this.endpoint}&sid=${this.sid}`);
    if (response.status !== 200) throw new Error(`poll failed: ${response.status} ${response.body}`);
    const packets = response.body.split(RECORD_SEPARATOR);
    if (packets.includes('2')) await rawHttp(`${this.endpoint}&sid=${this.sid}`, { method: 'POST', body: '3' });
    return packets.filter((packet) => packet.startsWith('4')).map((packet) => packet.slice(1));
  }

  /** Polls until a packet satisfies `matches`; returns every packet seen up to and including it. */
  async pollUntil(matches: (packet: string) => boolean, maxPolls = 5): Promise<string[]> {
    const seen: string[] = [];
    for (let i = 0; i < maxPolls; i++) {
      const packets = await this.poll();
      seen.push(...packets);
      if (packets.some(matches)) return seen;
    }
    throw new Error(`no matching packet in ${maxPolls} polls; saw ${JSON.stringify(seen)}`);
  }

  /** Polls until the server ends the session; returns the Socket.IO packets it sent before. */
  async pollUntilClosed(maxPolls = 5): Promise<string[]> {
    const seen: string[] = [];
    for (let i = 0; i < maxPolls; i++) {
      const response = await rawHttp(`${this.endpoint}&sid=${this.sid}`);
      if (response.status === 400 && response.body.includes('Session ID unknown')) return seen;
      const packets = response.body.split(RECORD_SEPARATOR);
      seen.push(...packets.filter((packet) => packet.startsWith('4')).map((packet) => packet.slice(1)));
      if (packets.includes('1')) return seen;
    }
    throw new Error(`the session is still open after ${maxPolls} polls; saw ${JSON.stringify(seen)}`);
  }

  async close(): Promise<void> {
    await rawHttp(`${this.endpoint}&sid=${this.sid}`, { method: 'POST', body: '1' }).catch(() => undefined);
  }
}
