import { ApiProperty } from '@nestjs/swagger';
import { MessageDto } from '../../moderation/dto/moderation-responses.dto';
import type { Transport } from '../../common/connection';

export class BroadcastResultDto {
  @ApiProperty({ type: [MessageDto], description: 'One stored message per room, in the order of `rooms`' })
  messages: MessageDto[];
}

export class NotifyResultDto {
  @ApiProperty({ description: 'Live connections of the user that were sent the notification, across nodes', example: 2 })
  connections: number;
}

export class UserConnectionDto {
  @ApiProperty({ description: 'NODE_ID of the node holding the connection', example: 'chat-1' })
  nodeId: string;

  @ApiProperty({ description: 'Epoch ms of the handshake', example: 1700000000000 })
  connectedAt: number;

  @ApiProperty({ enum: ['socket.io', 'websocket'], example: 'socket.io' })
  transport: Transport;
}

export class UserPresenceDto {
  @ApiProperty({ example: 'alice' })
  userId: string;

  @ApiProperty({
    description:
      'Whether the user holds a live connection anywhere, as offline delivery judges it; a node that died without closing its connections counts until their leases lapse (PRESENCE_TTL_SEC)',
  })
  online: boolean;

  @ApiProperty({ type: [UserConnectionDto] })
  connections: UserConnectionDto[];
}
