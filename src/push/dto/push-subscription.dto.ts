import { Type } from 'class-transformer';
import { IsString, Length, MaxLength, ValidateNested } from 'class-validator';
import { ENDPOINT_MAX_LENGTH } from '../push-subscription';

export class PushKeysDto {
  @IsString()
  @Length(1, 128)
  p256dh: string;

  @IsString()
  @Length(1, 64)
  auth: string;
}

export class PushSubscriptionDto {
  @IsString()
  @MaxLength(ENDPOINT_MAX_LENGTH)
  endpoint: string;

  @ValidateNested()
  @Type(() => PushKeysDto)
  keys: PushKeysDto;
}

/** `push:subscribe { subscription }` */
export class PushSubscribeDto {
  @ValidateNested()
  @Type(() => PushSubscriptionDto)
  subscription: PushSubscriptionDto;
}

/** `push:unsubscribe { endpoint }` */
export class PushUnsubscribeDto {
  @IsString()
  @MaxLength(ENDPOINT_MAX_LENGTH)
  endpoint: string;
}
