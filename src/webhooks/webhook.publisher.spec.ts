import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { Webhook } from 'standardwebhooks';
import { signWebhookBody, WebhookSigner } from './webhook-event';
import { WebhookPublisher } from './webhook.publisher';
import type { WebhookStreamRepository } from './webhook-stream.repository';
import { fake } from '../testing/fakes';

function publisherWith(webhooks: Partial<AppConfig['webhooks']>, append: (event: unknown) => Promise<unknown> = async () => 'ok') {
  const appended: any[] = [];
  const stream = fake<WebhookStreamRepository>({ append: (event: unknown) => (appended.push(event), append(event)) });
  const config = { webhooks: { urls: [], ...webhooks } } as AppConfig;
  return { publisher: new WebhookPublisher(stream, config), appended };
}

describe('WebhookPublisher', () => {
  it('does nothing at all when no webhook URL is configured', () => {
    const { publisher, appended } = publisherWith({});
    void publisher.publish('message.created', { id: '1-0' });
    expect(publisher.isEnabled('message.created')).toBe(false);
    expect(appended).toEqual([]);
  });

  it('appends every type by default, only the WEBHOOK_EVENTS types when narrowed, each with a unique id', () => {
    const all = publisherWith({ urls: ['https://hooks.example.com'] });
    // not awaited, as on the hot paths: the event is handed to the stream before publish returns
    void all.publisher.publish('room.occupied', { room: 'a' });
    void all.publisher.publish('room.occupied', { room: 'a' });
    expect(all.appended).toEqual([
      { id: expect.any(String), type: 'room.occupied', at: expect.any(Number), data: { room: 'a' } },
      { id: expect.any(String), type: 'room.occupied', at: expect.any(Number), data: { room: 'a' } },
    ]);
    expect(all.appended[0].id).not.toBe(all.appended[1].id);

    const narrowed = publisherWith({ urls: ['https://hooks.example.com'], events: ['moderation.action'] });
    void narrowed.publisher.publish('message.created', {});
    void narrowed.publisher.publish('moderation.action', {});
    expect(narrowed.appended.map((event) => event.type)).toEqual(['moderation.action']);
  });

  it('never throws into the caller: a failed write or unserializable data is logged as one line naming the event', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { publisher } = publisherWith({ urls: ['https://hooks.example.com'] }, async () => {
      throw new Error('Connection is closed.');
    });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => publisher.publish('message.created', {})).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    const failing = publisherWith({ urls: ['https://hooks.example.com'] }, (event) => Promise.resolve(JSON.stringify(event)));
    expect(() => failing.publisher.publish('message.created', circular)).not.toThrow();

    expect(logged.mock.calls).toEqual([
      [expect.stringMatching(/^webhook event message\.created [0-9a-f-]{36} lost: Connection is closed\.$/)],
      [expect.stringMatching(/^webhook event message\.created not published: Converting circular structure to JSON/)],
    ]);
    logged.mockRestore();
  });

  it('signs the raw body as sha256=<hex HMAC>', () => {
    // computed independently: python3 -c "import hmac,hashlib; print(hmac.new(b'secret', b'{\"events\":[]}', hashlib.sha256).hexdigest())"
    expect(signWebhookBody('{"events":[]}', 'secret')).toBe('sha256=a642b59553c93e227ec0f2f38910fbf71231a2197c00899833c00478cec86f34');
  });

  it('adds the Standard Webhooks headers: v1,<base64 HMAC of "id.timestamp.body"> keyed with the secret\'s UTF-8 bytes', () => {
    const secret = 'whsec-test-secret-of-32-characters!';
    const body = '{"events":[]}';
    const headers = new WebhookSigner(secret).headers('msg-1', body, new Date(1_764_530_000_400));
    // computed independently: python3 -c "import hmac,hashlib,base64; print(base64.b64encode(hmac.new(b'whsec-test-secret-of-32-characters!',
    //   b'msg-1.1764530000.{\"events\":[]}', hashlib.sha256).digest()).decode())"
    expect(headers).toEqual({
      'X-Webhook-Signature': 'sha256=222b1988979450fb4ad05fa29d8544a7aa92944da129465f1589b5b8f05798a4',
      'webhook-id': 'msg-1',
      'webhook-timestamp': '1764530000',
      'webhook-signature': 'v1,6Ho/sD3Pil4czSvylqZ6PxdltoYUH9zhLZn/xPp0P30=',
    });
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_764_530_010_000);
    try {
      const receiver = new Webhook(Buffer.from(secret, 'utf8').toString('base64'));
      expect(receiver.verify(body, headers)).toEqual({ events: [] });
      expect(() => receiver.verify(body, { ...headers, 'webhook-timestamp': '1764530001' })).toThrow('No matching signature found');
    } finally {
      now.mockRestore();
    }
  });
});
