import { ContractValidationPipe } from '../../common/contract-validation.pipe';
import { PushSubscribeDto } from './push-subscription.dto';

const pipe = new ContractValidationPipe();
const validate = (payload: unknown) => pipe.transform(payload, { type: 'body', metatype: PushSubscribeDto });
const subscription = { endpoint: 'https://fcm.googleapis.com/fcm/send/x', keys: { p256dh: 'BAAA', auth: 'abcd' } };

describe('push:subscribe payload', () => {
  it('accepts a subscription as PushManager gives it, expirationTime included', () => {
    expect(validate({ subscription: { ...subscription, expirationTime: null } })).toMatchObject({ subscription });
  });

  it.each([
    [{}, 'subscription'],
    [{ subscription: { ...subscription, keys: undefined } }, 'subscription'],
    [{ subscription: { ...subscription, keys: { p256dh: 5, auth: 'x' } } }, 'subscription'],
    [{ subscription: { ...subscription, keys: { ...subscription.keys, extra: 'x' } } }, 'subscription'],
    [{ subscription: { ...subscription, extra: 1 } }, 'subscription'],
    [{ subscription: { ...subscription, endpoint: 'x'.repeat(3000) } }, 'subscription'],
    [{ subscription, extra: 1 }, 'extra'],
  ])('refuses bad payload %# naming %s', (payload, field) => {
    expect(() => validate(payload)).toThrow(
      expect.objectContaining({ code: 'validation_failed', details: { fields: expect.objectContaining({ [field]: expect.any(Array) }) } }),
    );
  });
});
