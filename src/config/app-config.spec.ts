import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeCertificates, TestCertificates } from '../../test/support/certificates';
import { ConfigError, loadConfig } from './app-config';

const developmentSecret = () => 'generated-secret';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment in development', () => {
    const config = loadConfig({}, developmentSecret);
    expect(config).toMatchObject({
      env: 'development',
      port: 3000,
      host: '127.0.0.1',
      redis: { mode: 'embedded' },
      jwt: { secret: 'generated-secret' },
      corsOrigins: '*',
      throttle: { ws: { limit: 300, ttlMs: 10_000 }, http: { limit: 600, ttlMs: 60_000 } },
      historyMaxPerRoom: 10_000,
      messageMaxLength: 4000,
    });
    expect(config.nodeId).toMatch(/-\d+$/);
  });

  it("bounds each connection's unsent output at 4 MiB by default, and refuses a bound below two of the largest messages", () => {
    expect(loadConfig({}, developmentSecret)).toMatchObject({ sendBufferMaxBytes: 4 * 1024 * 1024, drainSpreadMs: 5000 });
    expect(loadConfig({ SEND_BUFFER_MAX_BYTES: '1048576', MESSAGE_MAX_LENGTH: '100000' }, developmentSecret).sendBufferMaxBytes).toBe(1_048_576);
    expect(() => loadConfig({ MESSAGE_MAX_LENGTH: '600000' }, developmentSecret)).toThrow(/SEND_BUFFER_MAX_BYTES must be at least 4800000/);
    expect(() => loadConfig({ SEND_BUFFER_MAX_BYTES: '1000' }, developmentSecret)).toThrow(/SEND_BUFFER_MAX_BYTES must be between 65536/);
    expect(() => loadConfig({ DRAIN_SPREAD_MS: '-1' }, developmentSecret)).toThrow(/DRAIN_SPREAD_MS must be a whole number/);
  });

  it('reads server API keys and refuses a short one, naming the variable', () => {
    const key = 'k'.repeat(32);
    const all = ['publish', 'notify', 'presence', 'disconnect'];
    expect(loadConfig({ SERVER_API_KEYS: `${key}, m${key}` }, developmentSecret).serverApiKeys).toEqual([
      { key, scopes: all },
      { key: `m${key}`, scopes: all },
    ]);
    expect(loadConfig({}, developmentSecret).serverApiKeys).toEqual([]);
    expect(() => loadConfig({ SERVER_API_KEYS: `${key},short` }, developmentSecret)).toThrow(/SERVER_API_KEYS.*entry 2 has a key of 5 characters/);
  });

  it('reads scopes before @ in SERVER_API_KEYS and refuses an unknown scope, a short key and two keys with one name at start-up', () => {
    const key = 'k'.repeat(32);
    expect(loadConfig({ SERVER_API_KEYS: `publish+presence@${key},disconnect@m${key}` }, developmentSecret).serverApiKeys).toEqual([
      { key, scopes: ['publish', 'presence'] },
      { key: `m${key}`, scopes: ['disconnect'] },
    ]);
    expect(() => loadConfig({ SERVER_API_KEYS: `publish+admin@${key}` }, developmentSecret)).toThrow(
      /SERVER_API_KEYS.*entry 1 names the scope "admin"; scopes are publish, notify, presence, disconnect/,
    );
    expect(() => loadConfig({ SERVER_API_KEYS: `@${key}` }, developmentSecret)).toThrow(/SERVER_API_KEYS.*entry 1 names the scope ""/);
    expect(() => loadConfig({ SERVER_API_KEYS: `x7Q!@${key}` }, developmentSecret)).toThrow(/SERVER_API_KEYS.*entry 1 names an unknown scope/);
    expect(() => loadConfig({ SERVER_API_KEYS: `${key},notify@${'k'.repeat(31)}` }, developmentSecret)).toThrow(
      /SERVER_API_KEYS.*entry 2 has a key of 31 characters/,
    );
    expect(() => loadConfig({ SERVER_API_KEYS: `${key},notify@${key}x` }, developmentSecret)).toThrow(
      /SERVER_API_KEYS.*entries 1 and 2 begin with the same 6 characters/,
    );
  });

  it('refuses a WEBHOOK_SECRET under 32 characters, and plain http webhook URLs in production unless WEBHOOK_ALLOW_HTTP=true', () => {
    const secret = 's'.repeat(32);
    const production = { NODE_ENV: 'production', JWT_SECRET: 'j'.repeat(32), REDIS_URL: 'redis://cache:6379' };
    expect(() => loadConfig({ WEBHOOK_URLS: 'https://hooks.example.com/in', WEBHOOK_SECRET: 's'.repeat(31) }, developmentSecret)).toThrow(
      'Invalid configuration: WEBHOOK_SECRET has 31 characters; it needs at least 32',
    );
    expect(() => loadConfig({ WEBHOOK_SECRET: 'short' }, developmentSecret)).toThrow(/WEBHOOK_SECRET/);
    expect(loadConfig({ WEBHOOK_URLS: 'http://127.0.0.1:8080/in', WEBHOOK_SECRET: secret }, developmentSecret).webhooks.urls).toEqual([
      'http://127.0.0.1:8080/in',
    ]);

    const plain = { ...production, WEBHOOK_URLS: 'https://a.example.com/in,http://b.example.com/in?key=k', WEBHOOK_SECRET: secret };
    expect(() => loadConfig(plain)).toThrow(
      'Invalid configuration: WEBHOOK_URLS has "http://b.example.com": plain http is refused in production; use https, or set WEBHOOK_ALLOW_HTTP=true',
    );
    expect(loadConfig({ ...plain, WEBHOOK_ALLOW_HTTP: 'true' }).webhooks.urls).toHaveLength(2);
    expect(() => loadConfig({ ...plain, WEBHOOK_ALLOW_HTTP: 'yes' })).toThrow(/WEBHOOK_ALLOW_HTTP must be true or false/);
    expect(loadConfig({ ...production, WEBHOOK_URLS: 'https://a.example.com/in', WEBHOOK_SECRET: secret }).webhooks).toMatchObject({ backlogMax: 1_000_000 });
    expect(() => loadConfig({ WEBHOOK_BACKLOG_MAX: '10' }, developmentSecret)).toThrow(/WEBHOOK_BACKLOG_MAX must be between 1000/);
  });

  it('reads each Redis mode and refuses two at once', () => {
    expect(loadConfig({ REDIS_URL: 'rediss://cache:6380/0' }, developmentSecret).redis).toEqual({ mode: 'standalone', url: 'rediss://cache:6380/0', tls: {} });
    expect(loadConfig({ REDIS_URL: 'redis://cache:6379' }, developmentSecret).redis).toEqual({ mode: 'standalone', url: 'redis://cache:6379' });
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'a:7000, b:7001' }, developmentSecret).redis).toEqual({
      mode: 'cluster',
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
      ],
    });
    expect(loadConfig({ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'main' }, developmentSecret).redis).toEqual({
      mode: 'sentinel',
      sentinels: [{ host: 's1', port: 26379 }],
      masterName: 'main',
    });
    expect(() => loadConfig({ REDIS_URL: 'redis://a', REDIS_CLUSTER_NODES: 'a:1' }, developmentSecret)).toThrow(
      /REDIS_CLUSTER_NODES cannot be combined with REDIS_URL/,
    );
  });

  it('closes CORS, listens on every interface and requires a key and a Redis in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' }, developmentSecret)).toThrow(/JWT_SECRET or JWT_PUBLIC_KEY is required in production/);
    const production = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) };
    expect(() => loadConfig(production)).toThrow(/REDIS_URL or REDIS_CLUSTER_NODES or REDIS_SENTINELS is required in production; set REDIS_EMBEDDED=true/);
    expect(loadConfig({ ...production, REDIS_EMBEDDED: 'true' }).redis).toEqual({ mode: 'embedded' });
    const config = loadConfig({ ...production, REDIS_URL: 'redis://cache:6379' }, developmentSecret);
    expect(config.corsOrigins).toEqual([]);
    expect(config.host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }, developmentSecret).host).toBe('0.0.0.0');
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toThrow(/JWT_SECRET must be at least 32 characters/);
  });

  it('accepts a PEM public key written on one line with \\n escapes', () => {
    const config = loadConfig({ JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\\nabc\\n-----END PUBLIC KEY-----' });
    expect(config.jwt.publicKey).toBe('-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----');
    expect(config.jwt.secret).toBeUndefined();
  });

  const badValues: [string, string, RegExp][] = [
    ['PORT', 'eighty', /PORT must be a whole number/],
    ['PORT', '70000', /PORT must be between 0 and 65535/],
    ['NODE_ENV', 'staging', /NODE_ENV must be one of development, production, test/],
    ['REDIS_URL', 'http://cache', /REDIS_URL must start with redis:\/\/ or rediss:\/\//],
    ['REDIS_CLUSTER_NODES', 'a:b', /REDIS_CLUSTER_NODES has "a:b", expected host:port/],
    ['THROTTLE_WS_LIMIT', '-1', /THROTTLE_WS_LIMIT must be a whole number/],
    ['THROTTLE_WS_TTL_MS', '0', /THROTTLE_WS_TTL_MS must be between 100/],
    ['SEARCH_RATE_LIMIT', 'two', /SEARCH_RATE_LIMIT must be a whole number/],
    ['SEARCH_RATE_LIMIT', '1001', /SEARCH_RATE_LIMIT must be between 0 and 1000/],
    ['ATTACHMENT_QUOTA_BYTES', '-1', /ATTACHMENT_QUOTA_BYTES must be a whole number/],
    ['HISTORY_MAX_PER_ROOM', '0', /HISTORY_MAX_PER_ROOM must be between 1/],
    ['MESSAGE_MAX_LENGTH', '1e3', /MESSAGE_MAX_LENGTH must be a whole number/],
    ['CORS_ORIGINS', 'app.example.com', /CORS_ORIGINS has "app.example.com"/],
    ['JWT_PUBLIC_KEY', 'not a pem', /JWT_PUBLIC_KEY must be a PEM public key/],
    ['REDIS_EMBEDDED', 'yes', /REDIS_EMBEDDED must be true or false/],
    ['METRICS_TOKEN', 'short', /METRICS_TOKEN must be at least 16 characters/],
    ['API_DOCS', 'off', /API_DOCS must be true or false/],
  ];

  it.each(badValues)('stops on %s=%s with a message naming the variable', (name, value, message) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value }, developmentSecret);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(name);
    expect((error as Error).message).toMatch(message);
  });

  it('reads LOG_LEVEL (info by default) and the admin UI, off unless ADMIN_UI=true with credentials', () => {
    expect(loadConfig({}, developmentSecret)).toMatchObject({ logLevel: 'info', adminUi: undefined });
    expect(loadConfig({ LOG_LEVEL: 'silent' }, developmentSecret).logLevel).toBe('silent');
    expect(() => loadConfig({ LOG_LEVEL: 'verbose' }, developmentSecret)).toThrow('Invalid configuration: LOG_LEVEL');
    const hash = '$2b$10$' + 'a'.repeat(53);
    expect(loadConfig({ ADMIN_UI: 'true', ADMIN_UI_USERNAME: 'ops', ADMIN_UI_PASSWORD_HASH: hash }, developmentSecret).adminUi).toEqual({
      username: 'ops',
      passwordHash: hash,
      corsOrigins: [],
    });
    expect(() => loadConfig({ ADMIN_UI: 'true', ADMIN_UI_PASSWORD_HASH: hash }, developmentSecret)).toThrow('Invalid configuration: ADMIN_UI_USERNAME');
    expect(() => loadConfig({ ADMIN_UI: 'true', ADMIN_UI_USERNAME: 'ops' }, developmentSecret)).toThrow('Invalid configuration: ADMIN_UI_PASSWORD_HASH');
    expect(() => loadConfig({ ADMIN_UI: 'true', ADMIN_UI_USERNAME: 'ops', ADMIN_UI_PASSWORD_HASH: 'secret' }, developmentSecret)).toThrow(
      'Invalid configuration: ADMIN_UI_PASSWORD_HASH',
    );
    expect(() => loadConfig({ ADMIN_UI: 'yes' }, developmentSecret)).toThrow('Invalid configuration: ADMIN_UI');
  });

  it('trusts only a proxy on loopback by default, and the proxies TRUST_PROXY names', () => {
    expect(loadConfig({}, developmentSecret).trustProxy).toEqual(['loopback']);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.5, fd00::/8' }, developmentSecret).trustProxy).toEqual(['10.0.0.5', 'fd00::/8']);
    expect(loadConfig({ TRUST_PROXY: '1' }, developmentSecret).trustProxy).toBe(1);
  });

  it('serves API docs and open metrics unless told otherwise', () => {
    expect(loadConfig({}, developmentSecret)).toMatchObject({ isApiDocsEnabled: true, metricsToken: undefined });
    expect(loadConfig({ API_DOCS: 'false', METRICS_TOKEN: 'm'.repeat(16) }, developmentSecret)).toMatchObject({
      isApiDocsEnabled: false,
      metricsToken: 'm'.repeat(16),
    });
  });

  it('treats 0 as "disabled" for throttles', () => {
    expect(loadConfig({ THROTTLE_WS_LIMIT: '0', THROTTLE_HTTP_LIMIT: '0' }, developmentSecret).throttle).toMatchObject({
      ws: { limit: 0 },
      http: { limit: 0 },
    });
  });

  it('reads attachments: local storage by default, S3 with all five variables, never half of them', () => {
    const local = loadConfig({}, developmentSecret).attachments;
    expect(local).toMatchObject({ maxBytes: 25 * 1024 * 1024, uploadUrlTtlSec: 900, downloadUrlTtlSec: 3600, s3: undefined });
    expect(local.allowedTypes).toEqual(expect.arrayContaining(['image/*', 'application/pdf', 'text/plain', 'application/zip']));

    const s3 = { S3_ENDPOINT: 'https://s3.example.com', S3_BUCKET: 'b', S3_REGION: 'eu-west-1', S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's' };
    expect(loadConfig(s3, developmentSecret).attachments.s3).toEqual({
      endpoint: 'https://s3.example.com',
      bucket: 'b',
      region: 'eu-west-1',
      accessKeyId: 'k',
      secretAccessKey: 's',
      forcePathStyle: true,
    });
    expect(() => loadConfig({ ...s3, S3_REGION: '' }, developmentSecret)).toThrow(/S3_REGION is required/);
  });

  it('refuses bad attachment settings naming the variable', () => {
    expect(() => loadConfig({ ATTACHMENT_TYPES: 'image/*,pdf' }, developmentSecret)).toThrow(/ATTACHMENT_TYPES has "pdf"/);
    expect(() => loadConfig({ ATTACHMENT_MAX_BYTES: '0' }, developmentSecret)).toThrow(/ATTACHMENT_MAX_BYTES/);
    expect(() => loadConfig({ ATTACHMENT_SIGNING_SECRET: 'short' }, developmentSecret)).toThrow(/ATTACHMENT_SIGNING_SECRET/);
    expect(loadConfig({ ATTACHMENT_TYPES: 'Image/PNG, video/*' }, developmentSecret).attachments.allowedTypes).toEqual(['image/png', 'video/*']);
    expect(loadConfig({}, developmentSecret).attachments.quotaBytes).toBe(1024 ** 3);
    expect(loadConfig({ ATTACHMENT_QUOTA_BYTES: '0' }, developmentSecret).attachments.quotaBytes).toBe(0);
  });

  it('limits searches to 2 per second per user unless SEARCH_RATE_LIMIT says otherwise (0: unlimited)', () => {
    expect(loadConfig({}, developmentSecret).searchRateLimit).toBe(2);
    expect(loadConfig({ SEARCH_RATE_LIMIT: '0' }, developmentSecret).searchRateLimit).toBe(0);
  });

  it('reads the wire format and the admission timeout, refusing anything else by name', () => {
    expect(loadConfig({}, developmentSecret)).toMatchObject({ socketParser: 'json', redisCommandTimeoutMs: 2000, redisAdmissionTimeoutMs: 30_000 });
    expect(loadConfig({ SOCKET_PARSER: 'msgpack', REDIS_ADMISSION_TIMEOUT_MS: '60000' }, developmentSecret)).toMatchObject({
      socketParser: 'msgpack',
      redisAdmissionTimeoutMs: 60_000,
    });
    expect(() => loadConfig({ SOCKET_PARSER: 'cbor' }, developmentSecret)).toThrow(/SOCKET_PARSER/);
    expect(() => loadConfig({ REDIS_ADMISSION_TIMEOUT_MS: '10' }, developmentSecret)).toThrow(/REDIS_ADMISSION_TIMEOUT_MS/);
  });
});

describe('loadConfig: TLS and credentials for Redis', () => {
  let certificates: TestCertificates;
  beforeAll(() => (certificates = makeCertificates()));
  afterAll(() => certificates.remove());
  const load = (env: Record<string, string>) => loadConfig(env, developmentSecret).redis;
  const files = () => ({
    REDIS_TLS_CA_FILE: certificates.caFile,
    REDIS_TLS_CERT_FILE: certificates.clientCertFile,
    REDIS_TLS_KEY_FILE: certificates.clientKeyFile,
  });

  it('reads the CA and the client certificate into every mode that uses TLS', () => {
    const pem = (file: string) => expect.stringContaining(readFileSync(file, 'utf8'));
    const tls = { ca: pem(certificates.caFile), cert: pem(certificates.clientCertFile), key: pem(certificates.clientKeyFile) };
    expect(load({ REDIS_URL: 'rediss://cache:6380', ...files() })).toEqual({ mode: 'standalone', url: 'rediss://cache:6380', tls });
    expect(load({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_TLS: 'true', ...files() })).toMatchObject({ mode: 'cluster', tls });
    expect(load({ REDIS_SENTINELS: 's:26379', REDIS_TLS: 'true', REDIS_TLS_CA_FILE: certificates.caFile })).toEqual({
      mode: 'sentinel',
      sentinels: [{ host: 's', port: 26379 }],
      masterName: 'mymaster',
      tls: { ca: pem(certificates.caFile) },
    });
    expect(load({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_TLS: 'true' })).toMatchObject({ tls: {} });
    expect(load({ REDIS_CLUSTER_NODES: 'a:7000' })).not.toHaveProperty('tls', expect.anything());
  });

  it('refuses TLS files the connection would not use, naming the variable', () => {
    expect(() => load({ REDIS_URL: 'redis://cache:6379', REDIS_TLS_CA_FILE: certificates.caFile })).toThrow(
      /REDIS_TLS_CA_FILE is set but the Redis connection does not use TLS: REDIS_URL must start with rediss:\/\//,
    );
    expect(() => load({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_TLS_CA_FILE: certificates.caFile })).toThrow(/REDIS_TLS_CA_FILE .* set REDIS_TLS=true/);
    expect(() => load({ REDIS_TLS_CERT_FILE: certificates.clientCertFile, REDIS_TLS_KEY_FILE: certificates.clientKeyFile })).toThrow(
      /REDIS_TLS_CERT_FILE is set but/,
    );
    expect(() => load({ REDIS_URL: 'redis://cache:6379', REDIS_TLS: 'true' })).toThrow(
      /REDIS_TLS is for REDIS_CLUSTER_NODES and REDIS_SENTINELS; with REDIS_URL, write rediss:\/\//,
    );
  });

  it('refuses unreadable, malformed or mismatched PEM files, naming the variable', () => {
    const rediss = { REDIS_URL: 'rediss://cache:6380' };
    const junk = join(certificates.dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate');
    expect(() => load({ ...rediss, REDIS_TLS_CA_FILE: join(certificates.dir, 'none.crt') })).toThrow(
      /REDIS_TLS_CA_FILE cannot be read \(.*none\.crt\): ENOENT/,
    );
    expect(() => load({ ...rediss, REDIS_TLS_CA_FILE: junk })).toThrow(/REDIS_TLS_CA_FILE must hold PEM certificates/);
    expect(() => load({ ...rediss, REDIS_TLS_CERT_FILE: certificates.clientCertFile })).toThrow(/REDIS_TLS_KEY_FILE is required with the other/);
    expect(() => load({ ...rediss, REDIS_TLS_KEY_FILE: certificates.clientKeyFile })).toThrow(/REDIS_TLS_CERT_FILE is required with the other/);
    expect(() => load({ ...rediss, REDIS_TLS_CERT_FILE: junk, REDIS_TLS_KEY_FILE: certificates.clientKeyFile })).toThrow(
      /REDIS_TLS_CERT_FILE must hold PEM certificates/,
    );
    expect(() => load({ ...rediss, REDIS_TLS_CERT_FILE: certificates.clientCertFile, REDIS_TLS_KEY_FILE: junk })).toThrow(
      /REDIS_TLS_KEY_FILE must hold an unencrypted PEM private key/,
    );
    expect(() => load({ ...rediss, REDIS_TLS_CERT_FILE: certificates.clientCertFile, REDIS_TLS_KEY_FILE: certificates.serverKeyFile })).toThrow(
      /REDIS_TLS_KEY_FILE does not hold the private key of the certificate in REDIS_TLS_CERT_FILE/,
    );
  });

  it('takes an ACL user from REDIS_USERNAME and REDIS_PASSWORD, in every mode but never beside credentials in the URL', () => {
    const user = { REDIS_USERNAME: 'chat', REDIS_PASSWORD: 'secret' };
    expect(load({ REDIS_URL: 'redis://cache:6379', ...user })).toEqual({ mode: 'standalone', url: 'redis://cache:6379', username: 'chat', password: 'secret' });
    expect(load({ REDIS_CLUSTER_NODES: 'a:7000', ...user })).toMatchObject({ mode: 'cluster', username: 'chat', password: 'secret' });
    expect(load({ REDIS_SENTINELS: 's:26379', REDIS_PASSWORD: 'secret' })).toMatchObject({ mode: 'sentinel', password: 'secret' });
    expect(() => load({ REDIS_URL: 'redis://chat:secret@cache:6379', REDIS_PASSWORD: 'other' })).toThrow(
      /REDIS_PASSWORD cannot be combined with credentials in REDIS_URL/,
    );
    expect(() => load({ REDIS_URL: 'redis://cache:6379', REDIS_USERNAME: 'chat' })).toThrow(/REDIS_PASSWORD is required when REDIS_USERNAME is set/);
    expect(() => load(user)).toThrow(/REDIS_USERNAME needs REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS/);
  });
});
