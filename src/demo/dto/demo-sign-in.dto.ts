import { IsBoolean, IsOptional, IsString, Matches } from 'class-validator';

export class DemoSignInDto {
  /** Becomes the display name, and (lower-cased, spaces as dashes) the user id. */
  @IsString()
  @Matches(/^[A-Za-z0-9_.-][A-Za-z0-9 _.-]{0,63}$/, { message: 'name must be 1 to 64 letters, digits, spaces, _ . or -, not starting with a space' })
  name: string;

  @IsOptional()
  @IsBoolean()
  admin?: boolean;
}
