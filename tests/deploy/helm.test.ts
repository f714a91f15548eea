/**
 * The Helm chart (deploy/helm/conveyor) cannot be installed here (no cluster), so this test renders it
 * with `helm template` and checks what would otherwise fail only in a cluster: env vars an app does not
 * accept or a config that does not load in production, ports and probes that miss the listener, a worker
 * killed before its own grace ends, migrations that do not run first, and manifests the API refuses
 * (kubeconform -strict). Rendered twice: the defaults with stand-in secrets, and every optional feature on.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  apiEnvSchema,
  boardEnvSchema,
  commonEnvSchema,
  consoleEnvSchema,
  type Env,
  loadApiConfig,
  loadBoardConfig,
  loadCommonConfig,
  loadConsoleConfig,
  loadWorkerConfig,
  workerEnvSchema,
} from '@conveyor/config';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ciValues, kubeconform, type Manifest, manifestsOf, renderChart } from '../../scripts/helm/chart';

const repoRoot = path.resolve(import.meta.dirname, '../..');
/** kubeconform reads client-go's schema (a few seconds the first time) and compiles one per kind. */
const KUBECONFORM_MS = 60_000;

/** Names are `<release>-<component>`; the release is named `conveyor`, which holds the chart's name. */
const RELEASE_PREFIX = 'conveyor-';
/** The stand-in secrets: the chart's Secret with the defaults, the deployer's existingSecret with every feature on. */
const standInSecrets = (parse(readFileSync(ciValues.defaults, 'utf8')) as { secrets: Record<string, string> }).secrets;

const apps: Record<string, App> = {
  api: { dir: 'apps/api', script: 'start', schema: apiEnvSchema, load: loadApiConfig, ready: '/readyz' },
  worker: { dir: 'apps/worker', script: 'start', schema: workerEnvSchema, load: loadWorkerConfig, ready: '/readyz' },
  board: { dir: 'apps/board', script: 'start', schema: boardEnvSchema, load: loadBoardConfig, ready: '/healthz' },
  console: { dir: 'apps/console', script: 'start', schema: consoleEnvSchema, load: loadConsoleConfig, ready: '/healthz' },
};

describe.each([
  ['defaults', [ciValues.defaults]],
  ['every optional feature', [ciValues.full]],
])('the chart with %s', (_label, valuesFiles) => {
  const yamlText = renderChart(valuesFiles);
  const manifests = manifestsOf(yamlText);
  const find = (kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name);
  const secret = manifests.find((m) => m.kind === 'Secret' && !m.metadata.annotations?.['helm.sh/hook']);
  const secretName = secret?.metadata.name ?? 'conveyor-secrets';
  const secretData = secret?.stringData ?? standInSecrets;

  /** A container's environment as the pod sees it: its ConfigMaps, then its env entries (secrets resolved). */
  const envOf = (container: Container): Env => {
    const env: Env = {};
    for (const source of container.envFrom ?? []) Object.assign(env, find('ConfigMap', source.configMapRef.name)?.data);
    for (const entry of container.env ?? []) {
      const ref = entry.valueFrom?.secretKeyRef;
      if (ref) expect([secretName, `${RELEASE_PREFIX}migrate`], entry.name).toContain(ref.name);
      env[entry.name] = ref ? secretData[ref.key] : entry.value;
    }
    return env;
  };

  describe.each(Object.entries(apps))('%s', (name, app) => {
    const deployment = find('Deployment', `${RELEASE_PREFIX}${name}`);
    const pod = deployment?.spec.template.spec;
    const container: Container = pod?.containers[0];
    const env = envOf(container);

    it('sets only variables its env schema accepts, runs in production and loads its config', () => {
      expect(Object.keys(env).filter((key) => !Object.keys(app.schema.shape).includes(key))).toEqual([]);
      expect(env.NODE_ENV).toBe('production');
      expect(() => app.load(env)).not.toThrow();
    });

    it("runs the package's start script from its directory, as the image's unprivileged user", () => {
      const manifest = JSON.parse(readFileSync(path.join(repoRoot, app.dir, 'package.json'), 'utf8'));
      expect(container.workingDir).toBe(`/app/${app.dir}`);
      expect(container.command.join(' ')).toBe(manifest.scripts[app.script]);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
      expect(pod.automountServiceAccountToken).toBe(false);
    });

    it('listens, probes and serves on the ports its config names', () => {
      const { host, port, internal } = (app.load(env) as { http: Listener }).http;
      const portOf = (named: string | number) => container.ports.find((p) => p.name === named)?.containerPort ?? named;
      expect(host).toBe('0.0.0.0');
      expect(portOf('http')).toBe(port);
      expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(container.readinessProbe.httpGet).toEqual({ path: app.ready, port: 'http' });
      if (name === 'api') {
        expect(internal?.host).toBe('0.0.0.0');
        expect(portOf('internal')).toBe(internal?.port);
        const hooks = find('Service', `${RELEASE_PREFIX}api-internal`)?.spec;
        expect(hooks.type).toBe('ClusterIP');
        expect(hooks.ports).toEqual([{ name: 'internal', port: internal?.port, targetPort: 'internal' }]);
        expect(hooks.selector).toEqual(deployment?.spec.selector.matchLabels);
      }
      const service = find('Service', `${RELEASE_PREFIX}${name}`)?.spec;
      expect(service.ports).toEqual([{ name: 'http', port, targetPort: 'http' }]);
      expect(service.selector).toEqual(deployment?.spec.selector.matchLabels);
    });

    it('has a PodDisruptionBudget over its pods', () => {
      const budget = find('PodDisruptionBudget', `${RELEASE_PREFIX}${name}`)?.spec;
      expect(budget.selector.matchLabels).toEqual(deployment?.spec.template.metadata.labels);
      expect(budget.maxUnavailable).toBeGreaterThanOrEqual(1);
    });
  });

  it('relays the console to the api’s public Service and keeps every secret out of the ConfigMaps', () => {
    const consoleEnv = envOf(find('Deployment', `${RELEASE_PREFIX}console`)?.spec.template.spec.containers[0]);
    const apiService = find('Service', `${RELEASE_PREFIX}api`)?.spec;
    expect(consoleEnv.CONSOLE_API_URL).toBe(`http://${RELEASE_PREFIX}api:${apiService.ports[0].port}`);
    const configured = manifests.filter((m) => m.kind === 'ConfigMap').flatMap((m) => Object.keys(m.data ?? {}));
    expect(configured.filter((key) => key in standInSecrets)).toEqual([]);
    const prefixes = ['api', 'worker', 'board'].map((name) => envOf(containerOf(find, name)).QUEUE_PREFIX);
    expect(new Set(prefixes).size).toBe(1);
  });

  it('gives the worker more time to stop than WORKER_SHUTDOWN_GRACE_MS', () => {
    const pod = find('Deployment', `${RELEASE_PREFIX}worker`)?.spec.template.spec;
    const { shutdownGraceMs } = loadWorkerConfig(envOf(pod.containers[0]));
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(shutdownGraceMs / 1000);
  });

  it('runs the migrations as a pre-install and pre-upgrade hook, from /app with only DATABASE_URL', () => {
    const job = find('Job', `${RELEASE_PREFIX}migrate`);
    expect(job?.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    const container: Container = job?.spec.template.spec.containers[0];
    expect(container.workingDir).toBe('/app');
    const scripts = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).scripts;
    expect(container.command.join(' ')).toBe(scripts['db:migrate:dist']);
    const env = envOf(container);
    expect(Object.keys(env).filter((key) => !Object.keys(commonEnvSchema.shape).includes(key))).toEqual([]);
    expect(Object.keys(env).filter((key) => key in standInSecrets)).toEqual(['DATABASE_URL']);
    expect(() => loadCommonConfig(env)).not.toThrow();
    // The release's own Secret does not exist yet at pre-install: the Job's is a hook created before it.
    const ref = container.env?.find((entry) => entry.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef;
    const hookSecret = find('Secret', ref?.name ?? '');
    if (hookSecret) {
      expect(hookSecret.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
      const weight = (m?: Manifest) => Number(m?.metadata.annotations?.['helm.sh/hook-weight']);
      expect(weight(hookSecret)).toBeLessThan(weight(job));
    } else {
      expect(ref?.name).toBe(secretName);
      expect(secret).toBeUndefined();
    }
  });

  it('passes kubeconform -strict: every built-in kind against its schema, only CRD kinds skipped', {
    timeout: KUBECONFORM_MS,
  }, () => {
    const results = kubeconform(yamlText);
    expect(results.filter((r) => r.status !== 'statusValid' && r.status !== 'statusSkipped')).toEqual([]);
    const skipped = results.filter((r) => r.status === 'statusSkipped').map((r) => r.kind);
    expect(skipped.filter((kind) => !['ScaledObject', 'ServiceMonitor'].includes(kind))).toEqual([]);
    expect(results.length).toBe(manifests.length);
  });
});

describe('worker autoscaling', () => {
  const manifests = manifestsOf(renderChart([ciValues.full]));
  const scaled = manifests.find((m) => m.kind === 'ScaledObject');
  const worker = manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === `${RELEASE_PREFIX}worker`);

  it('is off by default: the workers run a fixed number of replicas', () => {
    const defaults = manifestsOf(renderChart([ciValues.defaults]));
    expect(defaults.find((m) => m.kind === 'ScaledObject')).toBeUndefined();
    expect(defaults.find((m) => m.metadata.name === `${RELEASE_PREFIX}worker` && m.kind === 'Deployment')?.spec.replicas).toBe(2);
  });

  it("scales the worker Deployment, which then leaves its replicas to KEDA, on the worker's own queue gauge", () => {
    expect(scaled?.spec.scaleTargetRef).toEqual({ name: worker?.metadata.name });
    expect(worker?.spec.replicas).toBeUndefined();
    expect(scaled?.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    const trigger = scaled?.spec.triggers[0];
    expect(trigger.type).toBe('prometheus');
    const [, metric, states] = /^sum\(max by \(queue, state\) \((\w+)\{state=~"([\w|]+)"/.exec(trigger.metadata.query) ?? [];
    // The gauge the worker registers, and states its snapshot counts; never a Redis list's length.
    const gauges = readFileSync(path.join(repoRoot, 'packages/observability/src/pipeline-metrics.ts'), 'utf8');
    expect(gauges).toContain(`name: '${metric}'`);
    const snapshot = readFileSync(path.join(repoRoot, 'packages/queue/src/queue-snapshot.ts'), 'utf8');
    for (const state of states?.split('|') ?? []) expect(snapshot).toContain(`'${state}'`);
    expect(states?.split('|')).toEqual(expect.arrayContaining(['waiting', 'prioritized']));
    expect(states).not.toContain('delayed');
  });
});

describe('the api’s NetworkPolicy', () => {
  it('is off by default; on, it opens the public port to all and the internal port to the named peers only', () => {
    expect(manifestsOf(renderChart([ciValues.defaults])).filter((m) => m.kind === 'NetworkPolicy')).toEqual([]);
    const manifests = manifestsOf(renderChart([ciValues.full]));
    const policy = manifests.find((m) => m.kind === 'NetworkPolicy');
    const api = manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === `${RELEASE_PREFIX}api`);
    expect(policy?.spec.podSelector.matchLabels).toEqual(api?.spec.selector.matchLabels);
    const ports = api?.spec.template.spec.containers[0].ports.map((port: { name: string }) => port.name);
    expect(policy?.spec.ingress).toEqual([
      { ports: [{ port: 'http' }] },
      { ports: [{ port: 'internal' }], from: [expect.objectContaining({ podSelector: expect.anything() })] },
    ]);
    expect(ports).toEqual(expect.arrayContaining(['http', 'internal']));
  });
});

describe('the chart refuses', () => {
  it.each([
    ['a release without its secrets', [], 'secrets.DATABASE_URL is required'],
    ['KEDA without a Prometheus address', ['worker.autoscaling.keda.enabled=true'], 'serverAddress is required'],
    [
      'KEDA scaling the workers to zero',
      [
        'worker.autoscaling.keda.enabled=true',
        'worker.autoscaling.keda.serverAddress=http://p',
        'worker.autoscaling.keda.minReplicas=0',
      ],
      'at least 1',
    ],
    [
      'a NetworkPolicy that would close the internal port to Hasura',
      ['api.networkPolicy.enabled=true'],
      'api.networkPolicy.internalFrom must name',
    ],
    [
      "an env value that overrides the chart's own",
      ['worker.env.WORKER_HEALTH_PORT=4000'],
      'worker.env.WORKER_HEALTH_PORT is set by the chart',
    ],
  ])('%s', (_label, sets, message) => {
    const valuesFiles = sets.length === 0 ? [] : [ciValues.defaults];
    expect(() => renderChart(valuesFiles, sets)).toThrow(message);
  });

  it('a manifest with a field Kubernetes does not have (kubeconform -strict)', { timeout: KUBECONFORM_MS }, () => {
    const misspelt = renderChart([ciValues.defaults]).replace('terminationGracePeriodSeconds', 'terminationGracePeriodSecond');
    const invalid = kubeconform(misspelt).filter((r) => r.status === 'statusInvalid');
    expect(invalid.map((r) => `${r.kind}/${r.name}`)).toEqual([`Deployment/${RELEASE_PREFIX}worker`]);
  });
});

// ---------------------------------------------------------------------------------------------

function containerOf(find: (kind: string, name: string) => Manifest | undefined, name: string): Container {
  return find('Deployment', `${RELEASE_PREFIX}${name}`)?.spec.template.spec.containers[0];
}

interface App {
  dir: string;
  script: string;
  schema: { shape: Record<string, unknown> };
  load: (env: Env) => unknown;
  /** The readiness path: the api and the worker check their dependencies; the board and the console only live. */
  ready: string;
}

interface Listener {
  host: string;
  port: number;
  internal?: { host: string; port: number } | null;
}

interface Container {
  workingDir: string;
  command: string[];
  ports: { name: string; containerPort: number }[];
  envFrom?: { configMapRef: { name: string } }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  livenessProbe: { httpGet: { path: string; port: string | number } };
  readinessProbe: { httpGet: { path: string; port: string | number } };
  securityContext: Record<string, unknown>;
}
