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

const transform = (key: string, n: string, dependsOn?: string) => ({
  key,
  action: action('transform'),
  input: { value: { n } },
  ...(dependsOn ? { dependsOn: [dependsOn] } : {}),
});

/** Issue 14's workflow: three transforms, each a plain template (`input.n + 1`, `* 2`, `+ 3`). */
export const ISSUE_14_WORKFLOW = {
  steps: [
    transform('s0', '{{ input.n + 1 }}'),
    transform('s1', '{{ steps.s0.output.n * 2 }}', 's0'),
    transform('s2', '{{ steps.s1.output.n + 3 }}', 's1'),
  ],
};
