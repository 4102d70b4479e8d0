import { Injectable } from '@nestjs/common';
import type { Namespace } from 'socket.io';

/**
 * The `/chat` namespace, for services that address sockets outside a client's own event: broadcasts from
 * REST actions, cross-node session orders. Set once by the session gateway when the server starts.
 */
@Injectable()
export class ChatNamespace {
  private namespace?: Namespace;

  attach(namespace: Namespace): void {
    this.namespace = namespace;
  }

  get server(): Namespace {
    if (!this.namespace) throw new Error('the /chat namespace is not initialised yet');
    return this.namespace;
  }
}
