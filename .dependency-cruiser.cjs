/**
 * The dependency direction of src/, checked by `npm run lint:deps` (part of `npm test`).
 *
 * Layers, lowest first; a folder imports only from its own layer's folder or lower ones:
 *   common (contract types, errors, validation helpers)
 *   config, events, logging (pino, the log context)
 *   redis, metrics, queue (BullMQ connections)
 *   realtime (the only owner of Socket.IO), lifecycle
 *   rooms, holds, webhooks < push, audit < auth < throttling < presence, receipts, typing, reactions, attachments, search
 *   < chat, offline < moderation < server-api, compliance, health; calls (on auth, rooms)
 *   handshake (composes auth, throttling and moderation into the connection pipeline), docs, scripts
 *   app.module.ts and main.ts compose everything.
 */
const INFRASTRUCTURE = '^src/(common|config|events|logging|redis|metrics|queue|realtime|lifecycle)/';
const FEATURES = 'src/(rooms|holds|compliance|webhooks|push|audit|auth|throttling|presence|receipts|typing|reactions|attachments|search|chat|calls|offline|moderation|server-api|health|handshake|docs|scripts)/';

/** Each feature folder and the feature folders it may import. */
const FEATURE_LAYERS = [
  ['rooms', []],
  ['webhooks', []],
  ['push', ['webhooks']],
  ['audit', ['webhooks']],
  ['auth', ['rooms', 'audit']],
  ['throttling', ['audit', 'auth']],
  ['presence', ['rooms']],
  ['receipts', ['rooms']],
  ['typing', ['rooms']],
  ['reactions', ['rooms']],
  ['attachments', ['rooms']],
  ['search', ['rooms']],
  ['holds', []],
  ['chat', ['rooms', 'presence', 'receipts', 'attachments', 'search', 'holds']],
  ['calls', ['auth', 'rooms']],
  ['moderation', ['rooms', 'webhooks', 'audit', 'auth', 'chat', 'presence']],
  ['server-api', ['rooms', 'audit', 'auth', 'throttling', 'chat', 'presence', 'moderation']],
  ['compliance', ['rooms', 'holds', 'audit', 'auth', 'chat', 'attachments', 'search', 'moderation', 'push', 'reactions']],
  ['health', []],
  ['offline', ['rooms', 'receipts', 'push', 'throttling', 'attachments']],
  ['handshake', ['auth', 'throttling', 'moderation', 'rooms']],
];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycle, between modules or (through the layer rules below) between folders.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'common-imports-nothing',
      severity: 'error',
      comment: 'common/ holds the contract, errors and validation helpers: it imports no other src/ folder.',
      from: { path: '^src/common/' },
      to: { path: '^src/', pathNot: '^src/common/' },
    },
    {
      name: 'infrastructure-imports-no-feature',
      severity: 'error',
      comment: 'Infrastructure serves features through interfaces and tokens (EVENT_BUDGET, CONNECTION_PIPELINE); it never imports one.',
      from: { path: INFRASTRUCTURE },
      to: { path: `^${FEATURES}` },
    },
    {
      name: 'infrastructure-layers',
      severity: 'error',
      comment: 'Inside infrastructure: config and events use only common; redis and metrics add config; realtime and lifecycle sit on top.',
      from: { path: '^src/(config|events|logging|redis|metrics|queue)/' },
      to: { path: '^src/(realtime|lifecycle)/' },
    },
    {
      name: 'socket-io-only-in-realtime',
      severity: 'error',
      comment: 'realtime/ is the only code that touches Socket.IO and WebSockets; services get a Connection and a Broadcaster.',
      from: { path: '^src/', pathNot: '^src/realtime/' },
      to: { path: '(^|/)node_modules/(socket\\.io|@socket\\.io|@nestjs/platform-socket\\.io|ws)/' },
    },
    ...FEATURE_LAYERS.map(([feature, allowed]) => ({
      name: `feature-layers-${feature}`,
      severity: 'error',
      comment: `${feature}/ may import only infrastructure${allowed.length ? ` and ${allowed.join(', ')}` : ''}: features depend downward.`,
      from: { path: `^src/${feature}/` },
      to: { path: `^${FEATURES}`, pathNot: `^src/(${[feature, ...allowed].join('|')})/` },
    })),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(\\.spec\\.ts$|^src/testing/)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['cjs', 'es6'],
  },
};
