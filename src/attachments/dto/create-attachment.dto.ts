import { IsInt, IsString, Length, Min } from 'class-validator';
import { RoomDto } from '../../rooms/dto/room.dto';

/** `attachment:create`: limits on size and type are the service's, so that they answer with their own codes. */
export class CreateAttachmentDto extends RoomDto {
  @IsString()
  @Length(1, 1024)
  filename: string;

  @IsString()
  @Length(3, 255)
  contentType: string;

  @IsInt()
  @Min(1)
  size: number;
}
