import { IsString, Length } from 'class-validator';
import { MessageContentDto } from './message-content.dto';

export class DirectMessageDto extends MessageContentDto {
  /** The recipient's user id (a token's `sub`). */
  @IsString()
  @Length(1, 128)
  to: string;
}
