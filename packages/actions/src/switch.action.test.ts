import { describe, expect, it } from 'vitest';
import { createTestContext } from '../test/test-context';
import { runAction } from './run-action';
import { switchAction } from './switch.action';

const cases = [
  { branch: 'refund', when: false },
  { branch: 'charge', when: true },
  { branch: 'later', when: true },
];

describe('switch', () => {
  it('chooses the first case that holds, whatever follows it', async () => {
    const { ctx } = createTestContext();
    expect(await runAction(switchAction, { cases, else: 'manual' }, ctx)).toEqual({
      kind: 'output',
      output: { branch: 'charge' },
    });
  });

  it('chooses else when no case holds, and no branch without one', async () => {
    const { ctx } = createTestContext();
    const none = [
      { branch: 'refund', when: 0 },
      { branch: 'charge', when: null },
    ];
    expect(await runAction(switchAction, { cases: none, else: 'manual' }, ctx)).toEqual({
      kind: 'output',
      output: { branch: 'manual' },
    });
    expect(await runAction(switchAction, { cases: none }, ctx)).toEqual({ kind: 'output', output: { branch: null } });
  });

  it('refuses a case without a branch name, naming the field', async () => {
    const { ctx } = createTestContext();
    await expect(runAction(switchAction, { cases: [{ when: true }] }, ctx)).rejects.toThrow(
      /cases\[0\]\.branch|cases\.0\.branch/,
    );
  });
});
