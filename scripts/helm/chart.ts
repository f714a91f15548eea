/**
 * The Helm chart's tooling, for `npm run helm:check` and tests/deploy/helm.test.ts: helm and kubeconform
 * as `ensure_go_tools` (scripts/lib/common.sh) installs them into GOPATH/bin, the chart rendered with
 * `helm template`, and kubeconform run on the result against local schemas (kube-schemas.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { kindSchema, readDefinitions, SCHEMA_FILE, SCHEMA_MODULE, schemaFileName } from './kube-schemas';

export const chartDir = path.resolve(import.meta.dirname, '../../deploy/helm/conveyor');
/** The values files of the checks: the defaults with stand-in secrets, and every optional feature on. */
export const ciValues = {
  defaults: path.join(chartDir, 'ci/secrets-values.yaml'),
  full: path.join(chartDir, 'ci/full-values.yaml'),
};
const RELEASE = 'conveyor';
const NAMESPACE = 'conveyor';
/**
 * The cluster version helm renders for: a helm built by `go install` has no version stamped in and
 * would assume Kubernetes 1.20, below the chart's kubeVersion. The one the schemas describe.
 */
const KUBE_VERSION = '1.37.0';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: each check reads the fields of its own kind
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** A Go tool in GOPATH/bin, where ensure_go_tools puts it. */
export function goTool(name: 'helm' | 'kubeconform'): string {
  const file = path.join(goEnv('GOPATH') || path.join(os.homedir(), 'go'), 'bin', name);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`source scripts/lib/common.sh && ensure_go_tools\``);
  return file;
}

/** `helm template` with these values files and `--set` flags: the YAML, or helm's error as thrown. */
export function renderChart(valuesFiles: string[], sets: string[] = []): string {
  const args = ['template', RELEASE, chartDir, '--namespace', NAMESPACE, '--kube-version', KUBE_VERSION];
  for (const file of valuesFiles) args.push('--values', file);
  for (const set of sets) args.push('--set', set);
  const result = spawnSync(goTool('helm'), args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr.trim() || `helm template exited ${result.status}`);
  return result.stdout;
}

export function manifestsOf(yamlText: string): Manifest[] {
  return parseAllDocuments(yamlText)
    .map((document) => document.toJS() as Manifest | null)
    .filter((manifest): manifest is Manifest => manifest !== null);
}

/** `helm lint --strict`: its output, or thrown when it finds a problem. */
export function lintChart(valuesFile: string): string {
  const args = ['lint', chartDir, '--strict', '--namespace', NAMESPACE, '--kube-version', KUBE_VERSION, '--values', valuesFile];
  return execFileSync(goTool('helm'), args, { encoding: 'utf8' });
}

/** The schema's types, read once per process. */
let definitions: ReturnType<typeof readDefinitions> | undefined;

export interface KubeconformResult {
  kind: string;
  name: string;
  status: 'statusValid' | 'statusInvalid' | 'statusError' | 'statusSkipped' | 'statusEmpty';
  msg: string;
}

/**
 * `kubeconform -strict` on the rendered YAML, each built-in kind against its schema from client-go;
 * kinds of a CRD (KEDA's ScaledObject, prometheus-operator's ServiceMonitor) have none and are skipped.
 */
export function kubeconform(yamlText: string): KubeconformResult[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-kube-schemas-'));
  try {
    definitions ??= readDefinitions(path.join(goModuleDir(SCHEMA_MODULE), SCHEMA_FILE));
    for (const { apiVersion, kind } of manifestsOf(yamlText)) {
      const schema = kindSchema(definitions, apiVersion, kind);
      if (schema) writeFileSync(path.join(dir, schemaFileName(apiVersion, kind)), JSON.stringify(schema));
    }
    const location = path.join(dir, '{{ .ResourceKind }}{{ .KindSuffix }}.json');
    const args = ['-strict', '-ignore-missing-schemas', '-verbose', '-output', 'json', '-schema-location', location, '-'];
    const result = spawnSync(goTool('kubeconform'), args, { input: yamlText, encoding: 'utf8' });
    if (result.error) throw result.error;
    return (JSON.parse(result.stdout) as { resources: KubeconformResult[] }).resources;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function goEnv(name: string): string {
  return execFileSync('go', ['env', name], { encoding: 'utf8' }).trim();
}

/** A module's directory in the module cache (downloaded through the module proxy when missing). */
function goModuleDir(module: string): string {
  const out = execFileSync('go', ['mod', 'download', '-json', module], { encoding: 'utf8', cwd: os.tmpdir() });
  return (JSON.parse(out) as { Dir: string }).Dir;
}
