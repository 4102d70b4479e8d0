/**
 * PM2: several chat nodes on one host, one process per port, all on one Redis.
 *   JWT_SECRET=... REDIS_URL=redis://127.0.0.1:6379 CHAT_PORTS=3001,3002 npx pm2 start ecosystem.config.js
 * Fork mode, not PM2's cluster mode: cluster mode shares one port between workers round-robin, which breaks
 * Socket.IO long-polling (every request of a session must reach the process that holds it). Put nginx with
 * docker/nginx.conf in front of the ports instead. Every other setting (JWT_SECRET, CORS_ORIGINS, HOST...)
 * comes from the environment `pm2 start` runs in, as documented in .env.example.
 */
const ports = (process.env.CHAT_PORTS ?? '3001,3002').split(',').map((port) => port.trim()).filter(Boolean);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const shutdownTimeoutMs = Number(process.env.SHUTDOWN_TIMEOUT_MS ?? 8000);

module.exports = {
  apps: ports.map((port) => ({
    name: `chat-${port}`,
    script: 'dist/main.js',
    cwd: __dirname,
    exec_mode: 'fork',
    instances: 1,
    // PM2 stops with SIGINT, which drains like SIGTERM; SIGKILL only once the drain deadline has passed
    kill_timeout: shutdownTimeoutMs + 2000,
    max_memory_restart: '1536M',
    exp_backoff_restart_delay: 200,
    env: {
      NODE_ENV: 'production',
      PORT: port,
      NODE_ID: `chat-${port}`,
      REDIS_URL: redisUrl,
      SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
    },
  })),
};
