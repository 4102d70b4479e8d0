import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, ValidateBy } from 'class-validator';
import { ENDPOINT_MAX_LENGTH } from '../push-subscription';

const KEY_MAX_LENGTH = { p256dh: 128, auth: 64 };

const hasOnlyKeys = (value: object, keys: string[]) => Object.keys(value).every((key) => keys.includes(key));
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isBoundedString = (value: unknown, max: number) => typeof value === 'string' && value.length > 0 && value.length <= max;

/**
 * `{ endpoint, keys: { p256dh, auth } }` and nothing else, checked as one value: socket payloads are validated
 * in place (no class-transformer copy), so nested DTO classes would not be applied to the inner objects.
 */
function IsPushSubscriptionShape() {
  return ValidateBy({
    name: 'isPushSubscriptionShape',
    validator: {
      validate: (value: unknown) =>
        isObject(value) &&
        hasOnlyKeys(value, ['endpoint', 'keys', 'expirationTime']) &&
        isBoundedString(value.endpoint, ENDPOINT_MAX_LENGTH) &&
        isObject(value.keys) &&
        hasOnlyKeys(value.keys, ['p256dh', 'auth']) &&
        isBoundedString(value.keys.p256dh, KEY_MAX_LENGTH.p256dh) &&
        isBoundedString(value.keys.auth, KEY_MAX_LENGTH.auth),
      defaultMessage: () =>
        `subscription must be { endpoint, keys: { p256dh, auth } } as PushManager gives it (endpoint up to ${ENDPOINT_MAX_LENGTH} characters)`,
    },
  });
}

export interface PushSubscriptionShape {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** `push:subscribe { subscription }`; `expirationTime`, which `PushSubscription.toJSON()` adds, is allowed and ignored. */
export class PushSubscribeDto {
  @ApiProperty({
    type: 'object',
    description: 'As `PushSubscription.toJSON()` gives it',
    properties: {
      endpoint: { type: 'string', maxLength: ENDPOINT_MAX_LENGTH, description: 'https, on a host of PUSH_ALLOWED_HOSTS' },
      keys: {
        type: 'object',
        properties: { p256dh: { type: 'string', maxLength: KEY_MAX_LENGTH.p256dh }, auth: { type: 'string', maxLength: KEY_MAX_LENGTH.auth } },
        required: ['p256dh', 'auth'],
      },
      expirationTime: { description: 'allowed and ignored' },
    },
    required: ['endpoint', 'keys'],
  })
  @IsPushSubscriptionShape()
  subscription: PushSubscriptionShape;
}

/** `push:unsubscribe { endpoint }` */
export class PushUnsubscribeDto {
  @IsString()
  @MaxLength(ENDPOINT_MAX_LENGTH)
  endpoint: string;
}
