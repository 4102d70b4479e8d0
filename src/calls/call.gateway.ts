import { Injectable } from '@nestjs/common';
import type { Connection } from '../common/connection';
import { ClientEvent } from '../common/contract';
import { OnClientEvent } from '../realtime/on-client-event.decorator';
import { CallService } from './call.service';
import { CallSignalDto } from './dto/call-signal.dto';

@Injectable()
export class CallGateway {
  constructor(private readonly calls: CallService) {}

  @OnClientEvent(ClientEvent.CallSignal)
  signal(connection: Connection, body: CallSignalDto) {
    return this.calls.signal(connection, body);
  }
}
