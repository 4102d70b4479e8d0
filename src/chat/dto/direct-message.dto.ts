import { IsNotEmpty, IsOptional, IsString, Length } from 'class-validator';
import { CLIENT_MSG_ID_MAX_LENGTH } from './send-message.dto';

export class DirectMessageDto {
  /** The recipient's user id (a token's `sub`). */
  @IsString()
  @Length(1, 128)
  to: string;

  @IsString()
  @IsNotEmpty()
  content: string;

  @IsOptional()
  @IsString()
  @Length(1, CLIENT_MSG_ID_MAX_LENGTH)
  clientMsgId?: string;
}
