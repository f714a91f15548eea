/**
 * `npm run helm:check`: the chart under `helm lint --strict`, rendered with `helm template` and checked
 * by `kubeconform -strict`, with its defaults (stand-in secrets) and with every optional feature on.
 * tests/deploy/helm.test.ts checks the rendered env against the apps' config schemas.
 */
import { ciValues, kubeconform, lintChart, renderChart } from './helm/chart';

let failed = false;
for (const [name, valuesFile] of Object.entries(ciValues)) {
  console.log(`\n▶ ${name} (${valuesFile})`);
  try {
    lintChart(valuesFile);
    const results = kubeconform(renderChart([valuesFile]));
    for (const result of results) {
      const mark = { statusValid: 'ok', statusSkipped: 'skipped (no schema: a CRD)' }[result.status as string] ?? 'INVALID';
      if (mark === 'INVALID') failed = true;
      console.log(`  ${result.kind} ${result.name}: ${mark}${result.msg ? ` ${result.msg}` : ''}`);
    }
  } catch (error) {
    failed = true;
    console.error(error instanceof Error ? error.message : error);
  }
}
process.exit(failed ? 1 : 0);
