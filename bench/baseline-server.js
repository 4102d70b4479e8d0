'use strict';
/**
 * The yardstick: a bare Socket.IO + Redis server as the usual tutorials write it. It verifies the JWT at the
 * handshake, XADDs each message to a per-room stream (MAXLEN), broadcasts it through the Redis adapter and acks
 * it, answers `room:join { since }` from the stream (XRANGE after the cursor), and does nothing else (no
 * validation, no dedup, no throttling, no metrics). Speaks enough of our contract (`room:join`, `message:send`,
 * acks `{ ok, data }`) for the same load tools to drive both.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 JWT_SECRET=... PORT=3100 node bench/baseline-server.js
 */
const { createServer } = require('node:http');
const { Server } = require('socket.io');
const { createAdapter } = require('@socket.io/redis-adapter');
const Redis = require('ioredis');
const { verify } = require('jsonwebtoken');

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const commands = new Redis(redisUrl);
const publisher = new Redis(redisUrl);
const subscriber = new Redis(redisUrl);
const httpServer = createServer();
const io = new Server(httpServer);
io.adapter(createAdapter(publisher, subscriber));

const chat = io.of('/chat');
chat.use((socket, next) => {
  try {
    socket.data.user = verify(socket.handshake.auth.token, process.env.JWT_SECRET);
    next();
  } catch {
    next(new Error('unauthorized'));
  }
});
chat.on('connection', (socket) => {
  socket.on('room:join', async ({ room, since }, ack) => {
    socket.join(room);
    const entries = since
      ? await commands.xrange(`bench:${room}`, `(${since}`, '+', 'COUNT', 1000)
      : (await commands.xrevrange(`bench:${room}`, '+', '-', 'COUNT', 50)).reverse();
    const messages = entries.map(([id, [, userId, , content]]) => ({ id, room, userId, content }));
    ack({ ok: true, data: { room, messages } });
  });
  socket.on('message:send', async ({ room, content }, ack) => {
    const id = await commands.xadd(`bench:${room}`, 'MAXLEN', '10000', '*', 'u', socket.data.user.sub, 'c', content);
    const message = { id, room, userId: socket.data.user.sub, content, createdAt: Date.now() };
    socket.to(room).emit('message', message);
    ack({ ok: true, data: message });
  });
});
httpServer.listen(Number(process.env.PORT ?? 3100), '127.0.0.1', () => console.log(`baseline listening on ${httpServer.address().port}`));
process.on('SIGINT', () => process.exit(0));
