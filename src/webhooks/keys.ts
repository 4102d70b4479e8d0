/** Every event published and not yet turned into delivery jobs. Hash-tagged: one slot on Redis Cluster. */
export const WEBHOOK_STREAM_KEY = '{webhooks}:events';
/** The consumer group every node reads the stream in: each entry goes to one node. */
export const WEBHOOK_CONSUMER_GROUP = 'dispatchers';
/** The BullMQ queue of deliveries (one job = one POST of a batch to one URL). */
export const WEBHOOK_QUEUE = 'webhooks';
