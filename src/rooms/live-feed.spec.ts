import { decodeLiveMessage, liveFeedParts } from './live-feed';
import { messageFromDraft } from './message.codec';

/** What the append script does with the two parts: the id and its milliseconds spliced in, then the brace. */
const publish = ([head, body]: [string, string], id: string) => `${head}${id}${body}${id.split('-')[0]}}`;

describe('the live feed payload', () => {
  it('carries the stored message as history serves it, and the connection that has it already', () => {
    const draft = { userId: 'alice', name: 'Alice "A"', content: 'line one\nline two \u2028 {"}', clientMsgId: 'c-1', replyTo: '5-0', mentions: ['bob'] };
    const payload = publish(liveFeedParts('general', draft, '~c:abc', []), '1733000000123-7');
    expect(decodeLiveMessage(payload)).toEqual({
      message: JSON.parse(JSON.stringify(messageFromDraft('general', '1733000000123-7', draft))),
      exceptConnection: '~c:abc',
    });
    expect(decodeLiveMessage(payload).message.createdAt).toBe(1733000000123);
  });

  it('names no connection for a message from the server API, and carries attachments with their links', () => {
    const attachment = { id: 'a1', filename: 'x.png', contentType: 'image/png', size: 3, url: 'https://files/x.png?sig=1' };
    const { id: _id, url: _url, ...stored } = attachment;
    const draft = { userId: 'system', content: '', attachments: [{ id: 'a1', ...stored }] };
    const decoded = decodeLiveMessage(publish(liveFeedParts('general', draft, undefined, [attachment]), '2-0'));
    expect(decoded).toEqual({ message: { id: '2-0', room: 'general', userId: 'system', content: '', attachments: [attachment], createdAt: 2 } });
  });
});
