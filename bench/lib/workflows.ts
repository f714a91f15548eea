// The workflow definitions the benchmark runs, and the ~500-byte output every step produces.

const action = (key: string) => ({ app: 'core', version: '1', key });

/** About 500 bytes of JSON: what each step of the reference workflow (and of the raw loop) outputs. */
export const STEP_OUTPUT = {
  orderId: 'ord-0000012345',
  customer: { id: 'cus-000042', name: 'Ada Lovelace', email: 'ada@example.com', tier: 'gold' },
  items: [
    { sku: 'SKU-1001', name: 'Analytical engine gear', quantity: 2, unitPrice: 1250 },
    { sku: 'SKU-1002', name: 'Punched card deck', quantity: 10, unitPrice: 45 },
    { sku: 'SKU-1003', name: 'Brass crank handle', quantity: 1, unitPrice: 310 },
  ],
  totals: { subtotal: 3260, tax: 652, shipping: 90, grand: 4002, currency: 'EUR' },
  shipping: { street: '12 St James Square', city: 'London', postcode: 'SW1Y 4JH', country: 'GB' },
  tags: ['priority', 'wholesale', 'repeat-customer'],
};

/**
 * `steps` sequential `core@1/transform` steps s0 → s1 → …; each outputs STEP_OUTPUT plus a
 * counter threaded through a template from the run input or the previous step's output.
 * The reference workflow of scenario 1 is `sequentialWorkflow(3)`. With `attempts` > 1 every step
 * may be retried, so none is carried on by the job before it: each step gets a job of its own.
 */
export function sequentialWorkflow(steps: number, { attempts = 1 }: { attempts?: number } = {}) {
  return {
    steps: Array.from({ length: steps }, (_, i) => ({
      key: `s${i}`,
      action: action('transform'),
      ...(attempts > 1 ? { retry: { attempts } } : {}),
      input: { value: { ...STEP_OUTPUT, seq: i === 0 ? '{{ input.n }}' : `{{ steps.s${i - 1}.output.seq + 1 }}` } },
      ...(i > 0 ? { dependsOn: [`s${i - 1}`] } : {}),
    })),
  };
}

/** `width` parallel transform steps joined by one step that depends on all of them. */
export function fanOutWorkflow(width: number) {
  const branches = Array.from({ length: width }, (_, i) => ({
    key: `b${i}`,
    action: action('transform'),
    input: { value: { ...STEP_OUTPUT, branch: i } },
  }));
  return {
    steps: [
      ...branches,
      { key: 'join', action: action('transform'), input: { value: { joined: width } }, dependsOn: branches.map((b) => b.key) },
    ],
  };
}

/** Issue 14's workflow: three transforms, each a plain template (`input.n + 1`, `* 2`, `+ 3`). */
export function transformChainWorkflow() {
  const transform = (key: string, n: string, dependsOn?: string) => ({
    key,
    action: action('transform'),
    input: { value: { n } },
    ...(dependsOn ? { dependsOn: [dependsOn] } : {}),
  });
  return {
    steps: [
      transform('s0', '{{ input.n + 1 }}'),
      transform('s1', '{{ steps.s0.output.n * 2 }}', 's0'),
      transform('s2', '{{ steps.s1.output.n + 3 }}', 's1'),
    ],
  };
}

/** Issue 15's map: one `transform` step run once per item of the run input's `items` (`item * 2`). */
export function mapWorkflow(concurrency?: number) {
  return {
    steps: [
      {
        key: 'map',
        action: action('transform'),
        forEach: { items: '{{ input.items }}', ...(concurrency === undefined ? {} : { concurrency }) },
        input: { value: '{{ item * 2 }}' },
      },
    ],
  };
}

/** The map's yardstick, one run per item: one `transform` step doing the same work (`input.n * 2`). */
export function oneTransformWorkflow() {
  return { steps: [{ key: 's0', action: action('transform'), input: { value: '{{ input.n * 2 }}' } }] };
}

/** The map's other yardstick: `steps` transforms in a chain, each doing the same work on the previous one's output. */
export function transformLineWorkflow(steps: number) {
  return {
    steps: Array.from({ length: steps }, (_, i) => ({
      key: `s${i}`,
      action: action('transform'),
      input: { value: i === 0 ? '{{ input.n * 2 }}' : `{{ steps.s${i - 1}.output + 2 }}` },
      ...(i > 0 ? { dependsOn: [`s${i - 1}`] } : {}),
    })),
  };
}

/** The event the waiting runs wait for, and each one's correlation key. */
export const WAIT_EVENT = 'bench.go';
export const waitKey = (n: number) => `w-${n}`;

/** One `waitForEvent` step (a day's timeout): a run that waits, its key `w-<input.n>`. */
export function waitingWorkflow() {
  return {
    steps: [
      {
        key: 'wait',
        action: action('waitForEvent'),
        input: { event: WAIT_EVENT, key: 'w-{{ input.n }}', timeoutMs: 24 * 3600_000 },
      },
    ],
  };
}
