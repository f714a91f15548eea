import { loadKeysConfig } from '@conveyor/config';
import { resealCredentials } from '@conveyor/db';
import { createKeyring, parseKeys } from '@conveyor/secrets';
import { type Command, parseCommand } from '../args';
import { createOutput, table } from '../output';
import { withDatabase } from '../resources';

const spec = { positionals: [], options: { json: { type: 'boolean', default: false } } } as const;

/**
 * `conveyor keys reseal`: after a new key is made active in CONNECTION_KEYS, wraps every tenant's
 * data key under it and moves credentials still sealed by the keyring itself to their tenant's data
 * key. Idempotent; once it reports nothing left, the old keys can leave CONNECTION_KEYS.
 */
export const keysResealCommand: Command = {
  name: 'keys reseal',
  usage: `Usage: conveyor keys reseal [--json]

Re-wraps every tenant data key under the active key of CONNECTION_KEYS (CONNECTION_ACTIVE_KEY_ID,
or its first key), and seals connection credentials still in the old form (sealed by a keyring key)
with their tenant's data key. Run it after making a new key active; running it again changes
nothing. When it is done, keys other than the active one may be removed from CONNECTION_KEYS.

Options:
  --json   print {"activeKeyId", "dataKeysRewrapped", "connectionsMigrated"}

Exit codes: 0 done, 1 failed (e.g. a key that sealed a row is missing from CONNECTION_KEYS).`,

  async run(argv) {
    const { values } = parseCommand(argv, spec);
    const out = createOutput({ json: values.json });
    const config = loadKeysConfig();
    const { activeKeyId } = config.connections;
    const keyring = createKeyring(parseKeys(config.connections.keys), activeKeyId);
    const report = await withDatabase(config, (db) => resealCredentials(db.prisma, keyring));
    if (out.json) out.data({ activeKeyId, ...report });
    else {
      const rows = [
        ['tenant data keys re-wrapped', report.dataKeysRewrapped],
        ['connections moved to envelope form', report.connectionsMigrated],
      ];
      out.text(`re-sealed under key ${activeKeyId}`, ...table(['change', 'count'], rows).map((line) => `  ${line}`));
    }
    return 0;
  },
};
