import { Injectable, Module } from '@nestjs/common';

/** Whether this node is shutting down: readiness turns 503 and new handshakes are refused. */
@Injectable()
export class LifecycleState {
  draining = false;
}

@Module({ providers: [LifecycleState], exports: [LifecycleState] })
export class LifecycleModule {}
