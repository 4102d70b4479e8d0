import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { startNode, TestNode } from '../support/nodes';
import { startRedis, TestRedis } from '../support/redis-server';

/**
 * The deployment files are not run here (no Docker engine, no Kubernetes): they are parsed, and what they
 * say about the product (routes, port, metric names, drain deadline) is checked against a real node.
 */
const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const ACTIVE_NODE_LTS = 26;

/** Metric names the dashboard may use: those a node exports. */
const EXPORTED_METRICS = [
  'chat_connections',
  'chat_socket_events_total',
  'chat_socket_event_duration_seconds',
  'chat_socket_events_in_flight',
  'chat_rate_limited_total',
  'chat_messages_stored_total',
  'chat_messages_delivered_total',
  'chat_message_delivery_seconds',
  'chat_redis_errors_total',
  'chat_queue_depth',
  'chat_queue_dead_letters',
  'process_resident_memory_bytes',
  'process_cpu_seconds_total',
  'process_open_fds',
  'process_max_fds',
  'nodejs_heap_size_used_bytes',
  'nodejs_eventloop_lag_p99_seconds',
];
const OBSERVABILITY_METRICS = [
  'chat_messages_stored_total',
  'chat_messages_delivered_total',
  'chat_message_delivery_seconds',
  'chat_redis_errors_total',
  'chat_queue_depth',
  'chat_queue_dead_letters',
];

const documentedVariables = new Set([...read('.env.example').matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: any;
};

describe('deployment files', () => {
  let redis: TestRedis;
  let node: TestNode;
  let metricsText: string;

  beforeAll(async () => {
    redis = await startRedis();
    node = await startNode({ REDIS_URL: redis.url });
    metricsText = await (await fetch(`${node.url}/metrics`)).text();
  });
  afterAll(async () => {
    await node?.stop('SIGKILL');
    await redis?.stop();
  });

  describe('docker/Dockerfile', () => {
    const dockerfile = read('docker/Dockerfile');
    const instructions = dockerfile.split('\n').filter((line) => /^[A-Z]+\s/.test(line));

    it('builds in stages on the active Node LTS from the lock (npm ci) and runs dist/main.js as a non-root user', () => {
      const image = /^ARG NODE_IMAGE=node:(\d+)/m.exec(dockerfile);
      expect(Number(image?.[1])).toBe(ACTIVE_NODE_LTS);
      expect(instructions.filter((line) => line.startsWith('FROM ')).length).toBeGreaterThanOrEqual(2);
      expect(instructions.filter((line) => / npm (install|i) /.test(line))).toEqual([]);
      expect(instructions.filter((line) => /npm ci\b/.test(line)).length).toBeGreaterThanOrEqual(2);
      expect(instructions.filter((line) => /npm ci --omit=dev/.test(line))).toHaveLength(1);
      expect(instructions).toContain('USER node');
      expect(instructions).toContain('CMD ["node", "dist/main.js"]');
      const port = /^ENV .*\bPORT=(\d+)/m.exec(dockerfile)?.[1];
      expect(instructions).toContain(`EXPOSE ${port}`);
    });
  });

  describe('docker/compose.yml and docker/nginx.conf', () => {
    const compose = parse(read('docker/compose.yml'), { merge: true });
    const services = compose.services as Record<string, any>;
    const chatNodes = Object.keys(services).filter((name) => services[name].build);
    const upstreams = [...read('docker/nginx.conf').matchAll(/^\s*server\s+([\w-]+):(\d+)\b/gm)].map((match) => ({ host: match[1], port: match[2] }));

    it('runs Redis with AOF, three chat nodes and nginx, each with a healthcheck', () => {
      expect(Object.keys(services).sort()).toEqual(['chat-1', 'chat-2', 'chat-3', 'nginx', 'redis']);
      for (const [name, service] of Object.entries(services)) expect([name, service.healthcheck?.test?.length > 0]).toEqual([name, true]);
      expect(services.redis.command.join(' ')).toContain('--appendonly yes');
      expect(services.redis.volumes).toEqual([expect.stringMatching(/^[\w-]+:\/data$/)]);
      expect(Object.keys(compose.volumes)).toContain(services.redis.volumes[0].split(':')[0]);
    });

    it('gives every node its own NODE_ID, the shared Redis, a required secret, readiness checks and a drain that fits its grace period', () => {
      expect(chatNodes).toEqual(['chat-1', 'chat-2', 'chat-3']);
      for (const name of chatNodes) {
        const { environment, depends_on, healthcheck, stop_grace_period } = services[name];
        expect(environment.NODE_ID).toBe(name);
        expect(environment.NODE_ENV).toBe('production');
        expect(new URL(environment.REDIS_URL).host).toBe('redis:6379');
        expect(environment.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?/);
        expect(depends_on.redis.condition).toBe('service_healthy');
        expect(healthcheck.test.join(' ')).toContain(`127.0.0.1:${environment.PORT}/health/ready`);
        expect(seconds(stop_grace_period) * 1000).toBeGreaterThan(Number(environment.SHUTDOWN_TIMEOUT_MS));
        for (const variable of Object.keys(environment)) expect([variable, documentedVariables.has(variable)]).toEqual([variable, true]);
      }
      expect(new Set(chatNodes.map((name) => services[name].environment.NODE_ID)).size).toBe(chatNodes.length);
    });

    it('has nginx balance over exactly the chat services on their port, once they are healthy', () => {
      expect(upstreams.map(({ host }) => host)).toEqual(chatNodes);
      for (const { host, port } of upstreams) expect(port).toBe(services[host].environment.PORT);
      expect(services.nginx.volumes).toContain('./nginx.conf:/etc/nginx/conf.d/default.conf:ro');
      expect(services.nginx.depends_on).toEqual(Object.fromEntries(chatNodes.map((name) => [name, { condition: 'service_healthy' }])));
      expect(services.nginx.healthcheck.test.join(' ')).toContain('/nginx-health');
    });
  });

  describe('deploy/k8s', () => {
    const directory = join(ROOT, 'deploy', 'k8s');
    const files = readdirSync(directory).filter((file) => file.endsWith('.yaml'));
    const manifests = new Map<string, Manifest>();
    for (const file of files.filter((name) => name !== 'kustomization.yaml')) {
      const documents = parseAllDocuments(readFileSync(join(directory, file), 'utf8'));
      for (const document of [documents].flat()) {
        if (document.errors.length) throw new Error(`${file}: ${document.errors.map((error) => error.message).join('; ')}`);
        const manifest = document.toJS() as Manifest;
        manifests.set(`${manifest.kind}/${manifest.metadata.name}`, manifest);
      }
    }
    const only = (kind: string) => {
      const found = [...manifests.values()].filter((manifest) => manifest.kind === kind);
      expect(found).toHaveLength(1);
      return found[0];
    };
    const deployment = only('Deployment');
    const configMap = [...manifests.values()].find((manifest) => manifest.kind === 'ConfigMap' && manifest.metadata.name === 'chat-config')!;
    const secret = only('Secret');
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    const portNamed = (name: string | number) => container.ports.find((port: any) => port.name === name || port.containerPort === name)?.containerPort;

    it("parses, and kustomization lists every manifest but the example Secret and the monitoring stack's rules", () => {
      for (const manifest of manifests.values())
        expect(manifest).toMatchObject({ apiVersion: expect.any(String), kind: expect.any(String), metadata: { name: expect.any(String) } });
      const kustomization = parse(readFileSync(join(directory, 'kustomization.yaml'), 'utf8'));
      expect([...kustomization.resources].sort()).toEqual(
        files.filter((file) => !['kustomization.yaml', 'secret.example.yaml', 'prometheus-adapter-rules.yaml'].includes(file)).sort(),
      );
    });

    it('probes liveness and readiness on routes a node answers, on the port it listens on', async () => {
      expect(pod.containers).toHaveLength(1);
      expect(portNamed('http')).toBe(Number(configMap.data.PORT));
      expect(container.livenessProbe.httpGet.path).toBe('/health/live');
      expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
      for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
        expect(portNamed(probe.httpGet.port)).toBe(Number(configMap.data.PORT));
        expect([probe.httpGet.path, (await fetch(`${node.url}${probe.httpGet.path}`)).status]).toEqual([probe.httpGet.path, 200]);
      }
    });

    it('gives the drain (preStop pause, then SIGTERM and SHUTDOWN_TIMEOUT_MS) less time than the grace period', () => {
      const preStop = container.lifecycle.preStop.exec.command as string[];
      expect(preStop[0]).toBe('sleep');
      const drainSeconds = Number(preStop[1]) + Number(configMap.data.SHUTDOWN_TIMEOUT_MS) / 1000;
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(drainSeconds);
      expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    });

    it('reads JWT_SECRET and REDIS_URL from the Secret and the rest from the ConfigMap, all of them documented settings', () => {
      const fromSecret = container.env.filter((variable: any) => variable.valueFrom?.secretKeyRef);
      expect(fromSecret.map((variable: any) => variable.name).sort()).toEqual(['JWT_SECRET', 'REDIS_URL']);
      for (const variable of fromSecret) {
        expect(variable.valueFrom.secretKeyRef.name).toBe(secret.metadata.name);
        expect(Object.keys(secret.stringData)).toContain(variable.valueFrom.secretKeyRef.key);
      }
      expect(container.envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }]);
      for (const variable of [...Object.keys(configMap.data), ...container.env.map((entry: any) => entry.name)]) {
        expect([variable, documentedVariables.has(variable)]).toEqual([variable, true]);
      }
    });

    it("selects the Deployment's pods from the Service, PodDisruptionBudget and HPA, and routes the Ingress to the Service", () => {
      const labels = deployment.spec.template.metadata.labels;
      expect(labels).toMatchObject(deployment.spec.selector.matchLabels);
      const service = only('Service');
      expect(labels).toMatchObject(service.spec.selector);
      expect(portNamed(service.spec.ports[0].targetPort)).toBeDefined();
      const pdb = only('PodDisruptionBudget');
      expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
      const hpa = only('HorizontalPodAutoscaler');
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
      expect(pdb.spec.maxUnavailable).toBeLessThan(hpa.spec.minReplicas);
      const ingress = only('Ingress');
      const backend = ingress.spec.rules[0].http.paths[0].backend.service;
      expect(backend.name).toBe(service.metadata.name);
      expect(service.spec.ports.map((port: any) => port.name)).toContain(backend.port.name);
      expect(ingress.metadata.annotations!['nginx.ingress.kubernetes.io/affinity']).toBe('cookie');
    });

    it('scales on a connections metric the node exports, served to the HPA by the prometheus-adapter rule', () => {
      const hpa = only('HorizontalPodAutoscaler');
      const metric = hpa.spec.metrics.find((entry: any) => entry.type === 'Pods').pods.metric.name;
      expect(metricsText).toMatch(new RegExp(`^${metric}(\\{[^}]*\\})? \\d+`, 'm'));
      const adapter = parse(manifests.get('ConfigMap/prometheus-adapter-chat-rules')!.data['config.yaml']);
      expect(adapter.rules.map((rule: any) => rule.name.as)).toContain(metric);
      expect(adapter.rules[0].seriesQuery).toContain(metric);
    });
  });

  describe('docker/grafana-dashboard.json', () => {
    const dashboard = JSON.parse(read('docker/grafana-dashboard.json'));
    const panels = dashboard.panels.filter((panel: any) => panel.type !== 'row');
    const expressions: string[] = panels.flatMap((panel: any) => panel.targets.map((target: any) => target.expr));

    it('only queries metric names a node exports, and charts the delivery, Redis and queue series', () => {
      expect(expressions.length).toBeGreaterThan(10);
      const used = new Set<string>();
      for (const expression of expressions) {
        const names = [...expression.matchAll(/([a-zA-Z_:][\w:]*)\{/g)].map((match) => match[1].replace(/_bucket$/, ''));
        expect([expression, names.length > 0]).toEqual([expression, true]);
        for (const name of names) {
          expect([name, EXPORTED_METRICS.includes(name)]).toEqual([name, true]);
          used.add(name);
        }
      }
      for (const name of used) {
        expect([name, new RegExp(`^# TYPE ${name} `, 'm').test(metricsText)]).toEqual([name, true]);
      }
      for (const name of [
        ...OBSERVABILITY_METRICS,
        'chat_connections',
        'chat_socket_events_total',
        'chat_socket_event_duration_seconds',
        'process_resident_memory_bytes',
        'process_cpu_seconds_total',
      ]) {
        expect([name, used.has(name)]).toEqual([name, true]);
      }
    });

    it('has unique panel ids, a grid position and the templated data source on every panel', () => {
      const ids = dashboard.panels.map((panel: any) => panel.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const panel of panels) {
        expect(panel.gridPos).toMatchObject({ h: expect.any(Number), w: expect.any(Number), x: expect.any(Number), y: expect.any(Number) });
        expect(panel.datasource.uid).toBe('${datasource}');
      }
    });
  });
});

/** A compose duration such as `15s` or `1m30s`, in seconds. */
function seconds(duration: string): number {
  return [...duration.matchAll(/(\d+)(h|m|s)/g)].reduce(
    (total, [, value, unit]) => total + Number(value) * { h: 3600, m: 60, s: 1 }[unit as 'h' | 'm' | 's'],
    0,
  );
}
