import { IsString, Length, Matches } from 'class-validator';
import { MessageRefDto } from '../../rooms/dto/message-ref.dto';

/** Long enough for any emoji sequence (families, flags, skin tones) or a `:short_name:`. */
export const EMOJI_MAX_LENGTH = 32;

export class ReactionDto extends MessageRefDto {
  /** A Unicode emoji or a short name: no whitespace or control characters. */
  @IsString()
  @Length(1, EMOJI_MAX_LENGTH)
  @Matches(/^[^\s\p{Cc}]+$/u, { message: 'emoji must hold no whitespace or control characters' })
  emoji: string;
}
