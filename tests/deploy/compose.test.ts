/**
 * docker-compose.yml cannot be started here (no Docker engine), so this test reads it and checks
 * what would otherwise only fail at `docker compose up`: env vars the apps do not accept, secrets
 * left at their development default, commands that name a missing script or file, ports that do
 * not match what the app listens on, URLs that point at no service or carry the wrong password,
 * and the start-up order the deployment relies on.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
import { bundles, outputOf } from '../../scripts/build/bundles';

const repoRoot = path.resolve(import.meta.dirname, '../..');
/** The image's WORKDIR: the repository root inside the container. */
const imageRoot = '/app';
/** Compose's variable syntax: `$$`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `$VAR`. */
const VARIABLE = /\$\$|\$\{([A-Za-z_]\w*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_]\w*)/g;

/** The file as written, for checks on the `${VAR}` references themselves. */
const raw = readYaml<ComposeFile>(path.join(repoRoot, 'docker-compose.yml'));
/** The file as `docker compose` sees it, with every required variable set. */
const compose = interpolateAll(raw, requiredVariableValues(raw));
const services = compose.services;
/** What `npm run build` writes (scripts/build/bundles.ts), relative to the repository root. */
const builtEntries = bundles.flatMap((bundle) => bundle.entries.map((entry) => outputOf(bundle, entry)));

/** Each Conveyor process in the compose file: where it runs from and the env schema it parses. */
const appServices: Record<string, AppService> = {
  api: {
    dir: 'apps/api',
    script: 'start',
    keys: keysOf(apiEnvSchema),
    load: loadApiConfig,
    http: (env) => loadApiConfig(env).http,
  },
  worker: {
    dir: 'apps/worker',
    script: 'start',
    keys: keysOf(workerEnvSchema),
    load: loadWorkerConfig,
    http: (env) => loadWorkerConfig(env).http,
  },
  board: {
    dir: 'apps/board',
    script: 'start',
    keys: keysOf(boardEnvSchema),
    load: loadBoardConfig,
    http: (env) => loadBoardConfig(env).http,
  },
  console: {
    dir: 'apps/console',
    script: 'start',
    keys: keysOf(consoleEnvSchema),
    load: loadConsoleConfig,
    http: (env) => loadConsoleConfig(env).http,
  },
  migrate: { dir: '.', script: 'db:migrate:dist', keys: keysOf(commonEnvSchema), load: loadCommonConfig },
};

describe('docker-compose.yml', () => {
  it('defines the whole deployment', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['postgres', 'redis', 'mongo', 'migrate', 'hasura', 'api', 'worker', 'board', 'console']),
    );
  });

  it('requires every secret from the environment, with no default value', () => {
    const secretUses = variableUses(raw).filter((use) => /PASSWORD|SECRET/.test(use.name));
    expect(secretUses.length).toBeGreaterThan(0);
    expect(secretUses.filter((use) => use.operator !== ':?')).toEqual([]);
    const literalSecrets = Object.entries(raw.services).flatMap(([service, definition]) =>
      Object.entries(environmentOf(definition))
        .filter(([key, value]) => /PASSWORD|SECRET/.test(key) && !value.includes('${'))
        .map(([key]) => `${service}.${key}`),
    );
    expect(literalSecrets).toEqual([]);
  });

  describe.each(Object.entries(appServices))('%s', (name, app) => {
    const service = services[name] ?? {};
    const env = environmentOf(service);

    it('sets only variables its env schema accepts, and runs in production', () => {
      expect(Object.keys(env).filter((key) => !app.keys.includes(key))).toEqual([]);
      expect(env.NODE_ENV).toBe('production');
    });

    it('passes config validation as deployed (no development secret left in production)', () => {
      expect(() => app.load(env)).not.toThrow();
    });

    it("runs the package's own script, from that package's directory", () => {
      expect(service.working_dir).toBe(path.posix.join(imageRoot, app.dir));
      const manifestPath = path.join(repoRoot, app.dir, 'package.json');
      expect(existsSync(manifestPath), manifestPath).toBe(true);
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { scripts?: Record<string, string> };
      const command = commandOf(service);
      expect(manifest.scripts?.[app.script], `${app.dir} script "${app.script}"`).toBe(command.join(' '));
      for (const file of command.filter((arg) => arg.endsWith('.ts'))) {
        expect(existsSync(path.join(repoRoot, app.dir, file)), `${app.dir}/${file}`).toBe(true);
      }
      // The image runs the build (no tsx at run time): every .js it names is an entry `npm run build` writes.
      expect(command[0]).toBe('node');
      const scripts = command.filter((arg) => arg.endsWith('.js'));
      expect(scripts.length).toBeGreaterThan(0);
      for (const file of scripts) expect(builtEntries, `${app.dir}/${file}`).toContain(path.posix.join(app.dir, file));
    });

    it('publishes, exposes and probes the port the app listens on', () => {
      const declared = [...(service.ports ?? []).map(containerPort), ...(service.expose ?? []).map(Number)];
      if (!app.http) {
        expect(declared).toEqual([]);
        return;
      }
      const { host, port, internal } = app.http(env);
      expect(declared.length).toBeGreaterThan(0);
      for (const published of (service.ports ?? []).map(containerPort)) expect(published).toBe(port);
      // An internal listener (the api's hooks and /metrics) is exposed to the compose network, never published.
      for (const exposed of (service.expose ?? []).map(Number)) expect([port, internal?.port]).toContain(exposed);
      if (internal) {
        expect(service.expose?.map(Number)).toContain(internal.port);
        expect(internal.host, 'the internal listener must be reachable from the Hasura container').toBe('0.0.0.0');
      }
      expect(host, 'a port reachable from outside the container needs API/BOARD/WORKER_HEALTH host 0.0.0.0').toBe('0.0.0.0');
      expect(probePort(service)).toBe(port);
    });
  });

  it('points every service URL at a defined service, with the credentials that service starts with', () => {
    const postgres = environmentOf(services.postgres ?? {});
    const mongo = environmentOf(services.mongo ?? {});
    const redisCommand = commandOf(services.redis ?? {});
    const expected: Record<string, { host: string; username: string; password: string | undefined }> = {
      postgres: { host: 'postgres', username: postgres.POSTGRES_USER ?? 'postgres', password: postgres.POSTGRES_PASSWORD },
      redis: { host: 'redis', username: '', password: redisCommand[redisCommand.indexOf('--requirepass') + 1] },
      mongo: { host: 'mongo', username: mongo.MONGO_INITDB_ROOT_USERNAME ?? '', password: mongo.MONGO_INITDB_ROOT_PASSWORD },
    };
    const urlTargets: Record<string, string> = {
      DATABASE_URL: 'postgres',
      HASURA_GRAPHQL_DATABASE_URL: 'postgres',
      HASURA_GRAPHQL_METADATA_DATABASE_URL: 'postgres',
      REDIS_URL: 'redis',
      MONGO_URL: 'mongo',
    };
    let checked = 0;
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(environmentOf(service))) {
        const target = urlTargets[key];
        if (!target) continue;
        const url = new URL(value);
        const want = expected[target];
        expect(url.hostname, `${name}.${key}`).toBe(want?.host);
        expect(services[url.hostname], `${name}.${key} names an undefined service`).toBeDefined();
        expect(decodeURIComponent(url.username), `${name}.${key} user`).toBe(want?.username);
        expect(decodeURIComponent(url.password), `${name}.${key} password`).toBe(want?.password);
        if (target === 'postgres') expect(url.pathname, `${name}.${key} database`).toBe(`/${postgres.POSTGRES_DB}`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });

  it('gives every process that uses the queues the same QUEUE_PREFIX', () => {
    const queueUsers = Object.entries(services).filter(([, service]) => 'REDIS_URL' in environmentOf(service));
    expect(queueUsers.map(([name]) => name).sort()).toEqual(['api', 'board', 'worker']);
    const prefixes = new Set(queueUsers.map(([, service]) => environmentOf(service).QUEUE_PREFIX));
    expect([...prefixes]).toEqual(['conveyor']);
  });

  it('only depends on defined services, and only waits for health where a healthcheck exists', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [target, condition] of Object.entries(dependenciesOf(service))) {
        expect(services[target], `${name} depends on undefined service ${target}`).toBeDefined();
        if (condition === 'service_healthy') expect(services[target]?.healthcheck?.test, `${target} healthcheck`).toBeDefined();
      }
    }
  });

  it('applies the migrations before anything that uses the schema starts', () => {
    expect(dependenciesOf(services.migrate ?? {})).toEqual({ postgres: 'service_healthy' });
    for (const name of ['hasura', 'api', 'worker']) {
      expect(dependenciesOf(services[name] ?? {}).migrate, name).toBe('service_completed_successfully');
    }
    expect(services.migrate?.restart).toBe('no');
  });

  it('runs Redis as BullMQ requires: AOF persistence and noeviction', () => {
    const command = commandOf(services.redis ?? {});
    expect(command[0]).toBe('redis-server');
    expect(command[command.indexOf('--appendonly') + 1]).toBe('yes');
    expect(command[command.indexOf('--maxmemory-policy') + 1]).toBe('noeviction');
  });

  it('runs at least two workers, none of them bound to a host port', () => {
    expect(services.worker?.deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(services.worker?.ports).toBeUndefined();
  });

  it('gives every long-running service a healthcheck', () => {
    const withoutProbe = Object.entries(services)
      .filter(([name]) => name !== 'migrate')
      .filter(([, service]) => service.healthcheck?.disable || !service.healthcheck?.test?.length)
      .map(([name]) => name);
    expect(withoutProbe).toEqual([]);
    expect(services.migrate?.healthcheck).toBeUndefined();
  });

  it('builds the app services from a stage of this Dockerfile and pins every other image', () => {
    const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(new RegExp(`^WORKDIR ${imageRoot}$`, 'm'));
    const stages = [...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((match) => match[1]);
    for (const name of Object.keys(appServices)) {
      const build = services[name]?.build;
      const target = typeof build === 'object' ? build.target : undefined;
      expect(stages, `${name} build target`).toContain(target);
    }
    for (const [name, service] of Object.entries(services)) {
      if (service.build) continue;
      expect(service.image, `${name} image tag`).toMatch(/^[^:]+:(?!latest$)[\w.-]+$/);
    }
  });

  it('builds the apps in the image and copies every bundle into the runtime stage, which has no tsx', () => {
    const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
    const stage = (name: string) => dockerfile.split(/^FROM /m).find((text) => new RegExp(`\\bAS ${name}\\b`).test(text)) ?? '';
    expect(stage('build')).toMatch(/^RUN npm run build$/m);
    const runtime = stage('runtime');
    for (const bundle of bundles) {
      const dist = path.posix.join(bundle.dir, 'dist');
      expect(runtime, dist).toContain(`COPY --from=build /app/${dist}/ ./${dist}/`);
    }
    expect(runtime).not.toMatch(/\btsx\b/);
  });

  describe('hasura', () => {
    const hasura = services.hasura ?? {};
    const metadataMount = (hasura.volumes ?? [])
      .map((volume) => (typeof volume === 'string' ? parseVolume(volume) : volume))
      .find((volume) => volume.target === '/hasura-metadata');
    const metadataDir = path.join(repoRoot, metadataMount?.source ?? 'missing');

    it('uses the cli-migrations image, which applies the mounted metadata at start', () => {
      expect(hasura.image).toMatch(/^hasura\/graphql-engine:v2\.\d+\.\d+\.cli-migrations-v3$/);
      expect(metadataMount?.source).toMatch(/^\.\//);
    });

    it('mounts a metadata directory of this repository (config v3: version.yaml says 3)', () => {
      expect(readYaml<{ version: number }>(path.join(metadataDir, 'version.yaml')).version).toBe(3);
      expect(existsSync(path.join(metadataDir, 'databases', 'databases.yaml'))).toBe(true);
    });

    it('sets every environment variable the metadata reads', () => {
      const referenced = yamlFiles(metadataDir).flatMap((file) => metadataEnvReferences(readYaml<unknown>(file)));
      expect(referenced).toContain('HASURA_GRAPHQL_DATABASE_URL');
      const env = environmentOf(hasura);
      expect([...new Set(referenced)].filter((name) => !(name in env))).toEqual([]);
    });

    it("calls every hook on the api's internal listener, with the secret the api checks", () => {
      const env = environmentOf(hasura);
      const api = environmentOf(services.api ?? {});
      const internal = `http://api:${api.API_INTERNAL_PORT}`;
      expect(api.API_INTERNAL_PORT).toBeDefined();
      expect(env.CONVEYOR_EVENTS_WEBHOOK_URL).toBe(`${internal}/hooks/hasura/events`);
      expect(env.ACTION_BASE_URL).toBe(`${internal}/hooks/hasura/actions`);
      expect(env.CONVEYOR_API_URL).toBe(internal);
      expect(env.LOGS_GRAPHQL_URL).toBe(`${internal}/graphql/logs`);
      expect(env.CONVEYOR_HOOK_SECRET).toBe(api.CONVEYOR_HOOK_SECRET);
      expect(dependenciesOf(hasura).api).toBe('service_healthy');
    });
  });
});

// ---------------------------------------------------------------------------------------------

function readYaml<T>(file: string): T {
  // Compose files use YAML merge keys (`<<: *anchor`), which YAML 1.2 leaves off by default.
  return parse(readFileSync(file, 'utf8'), { merge: true }) as T;
}

function keysOf(schema: { shape: Record<string, unknown> }): string[] {
  return Object.keys(schema.shape);
}

/** Every `${VAR…}` reference in the file's values (comments are not values). */
function variableUses(value: unknown): VariableUse[] {
  if (typeof value === 'string') {
    return [...value.matchAll(VARIABLE)]
      .filter((match) => match[0] !== '$$')
      .map((match) => ({ name: match[1] ?? match[4] ?? '', operator: match[2] ?? '' }));
  }
  if (value && typeof value === 'object') return Object.values(value).flatMap(variableUses);
  return [];
}

/** Stand-in values for the variables the operator must set: URL-safe and long enough for every schema. */
function requiredVariableValues(file: unknown): Record<string, string> {
  const required = variableUses(file).filter((use) => use.operator.endsWith('?'));
  const formatted: Record<string, string> = { CONNECTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}` };
  return Object.fromEntries(
    required.map((use) => [use.name, formatted[use.name] ?? `${use.name.toLowerCase().replaceAll('_', '-')}-0123456789abcdef`]),
  );
}

/** Compose's interpolation: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`, `${VAR?err}`. */
function interpolateAll<T>(value: T, vars: Record<string, string>): T {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (whole, braced?: string, operator?: string, argument?: string, bare?: string) => {
      if (whole === '$$') return '$';
      const name = braced ?? bare ?? '';
      const set = vars[name];
      if (operator === ':-') return set ? set : (argument ?? '');
      if (operator === '-') return set ?? argument ?? '';
      if (operator?.endsWith('?') && (set === undefined || (operator === ':?' && set === ''))) {
        throw new Error(`required variable ${name} is missing: ${argument}`);
      }
      return set ?? '';
    }) as T;
  }
  if (Array.isArray(value)) return value.map((item) => interpolateAll(item, vars)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateAll(item, vars)])) as T;
  }
  return value;
}

function environmentOf(service: ComposeService): Env & Record<string, string> {
  const environment = service.environment ?? {};
  const entries = Array.isArray(environment)
    ? environment.map((line) => {
        const at = line.indexOf('=');
        return at === -1 ? [line, ''] : [line.slice(0, at), line.slice(at + 1)];
      })
    : Object.entries(environment).map(([key, value]) => [key, value === null ? '' : String(value)]);
  return Object.fromEntries(entries);
}

function commandOf(service: ComposeService): string[] {
  const { command } = service;
  if (command === undefined) return [];
  return Array.isArray(command) ? command.map(String) : command.trim().split(/\s+/);
}

function dependenciesOf(service: ComposeService): Record<string, string> {
  const dependsOn = service.depends_on ?? {};
  if (Array.isArray(dependsOn)) return Object.fromEntries(dependsOn.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(dependsOn).map(([name, spec]) => [name, spec?.condition ?? 'service_started']));
}

/** The container side of a `ports` entry: "3000", "3000:3000", "127.0.0.1:80:3000/tcp" or `{ target }`. */
function containerPort(entry: PortEntry): number {
  if (typeof entry === 'object') return Number(entry.target);
  return Number(String(entry).split('/')[0]?.split(':').at(-1));
}

/** The port an HTTP healthcheck probes on the container itself. */
function probePort(service: ComposeService): number | undefined {
  const test = [service.healthcheck?.test ?? []].flat().join(' ');
  const match = /\/\/(?:127\.0\.0\.1|localhost):(\d+)\//.exec(test);
  return match ? Number(match[1]) : undefined;
}

function parseVolume(spec: string): { source?: string; target: string } {
  const [source, target = ''] = spec.split(':');
  return { source, target };
}

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** Env var names Hasura metadata reads: `*_from_env` keys and `{{VAR}}` URL templates. */
function metadataEnvReferences(value: unknown): string[] {
  if (typeof value === 'string') return [...value.matchAll(/\{\{\s*([A-Za-z_]\w*)\s*\}\}/g)].map((match) => match[1] ?? '');
  if (Array.isArray(value)) return value.flatMap(metadataEnvReferences);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) =>
      (key === 'from_env' || key.endsWith('_from_env')) && typeof item === 'string' ? [item] : metadataEnvReferences(item),
    );
  }
  return [];
}

interface AppService {
  /** The package directory, relative to the repository root. */
  dir: string;
  /** The package.json script the compose command must equal. */
  script: string;
  keys: string[];
  load: (env: Env) => unknown;
  /** Where the app listens; absent for the one-shot migrate job. */
  http?: (env: Env) => { host: string; port: number; internal?: { host: string; port: number } | null };
}

interface VariableUse {
  name: string;
  operator: string;
}

type PortEntry = string | number | { target: number | string; published?: number | string };

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; target?: string };
  command?: string | string[];
  working_dir?: string;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: PortEntry[];
  expose?: (string | number)[];
  depends_on?: string[] | Record<string, { condition?: string } | null>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  deploy?: { replicas?: number };
  volumes?: (string | { type?: string; source?: string; target: string })[];
  restart?: string;
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}
