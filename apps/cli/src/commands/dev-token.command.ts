import { mintToken } from '@conveyor/auth';
import { loadApiConfig } from '@conveyor/config';
import { type Command, parseCommand, positiveNumber } from '../args';
import { createOutput } from '../output';
import { DEFAULT_TENANT, findMember, findTenant, withDatabase } from '../resources';

const DEFAULT_HOURS = 12;

const spec = {
  positionals: [],
  options: {
    tenant: { type: 'string', default: DEFAULT_TENANT },
    user: { type: 'string' },
    hours: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
} as const;

/** `conveyor dev token`: a development JWT with Hasura's claims for a member of a tenant (as `npm run dev:token`). */
export const devTokenCommand: Command = {
  name: 'dev token',
  usage: `Usage: conveyor dev token [--tenant <slug>] [--user <email>] [--hours <n>] [--json]

Mints an HS256 JWT with the claims Hasura expects (x-hasura-tenant-id, x-hasura-user-id, roles),
signed with AUTH_JWT_SECRET for AUTH_JWT_ISSUER / AUTH_JWT_AUDIENCE. Only the token goes to stdout:
  TOKEN=$(conveyor dev token)

Options:
  --tenant <slug>   tenant (default: ${DEFAULT_TENANT})
  --user <email>    member (default: the tenant's first ADMIN member, demo@conveyor.local in the demo)
  --hours <n>       lifetime in hours (default: ${DEFAULT_HOURS})
  --json            print {"token","tenantId","userId","email","expiresAt"}

Exit codes: 0 ok, 1 no such tenant or member, 2 bad arguments.`,

  async run(argv) {
    const { values } = parseCommand(argv, spec);
    const hours = positiveNumber('--hours', values.hours) ?? DEFAULT_HOURS;
    const out = createOutput({ json: values.json });
    const config = loadApiConfig();

    const member = await withDatabase(config, async ({ prisma }) =>
      findMember(prisma, await findTenant(prisma, values.tenant), values.user),
    );
    const ttlSeconds = Math.max(1, Math.round(hours * 3_600));
    const token = await mintToken(member, config.auth, ttlSeconds);

    if (out.json) {
      out.data({
        token,
        tenantId: member.tenantId,
        userId: member.userId,
        email: member.email,
        expiresAt: new Date(Date.now() + ttlSeconds * 1_000).toISOString(),
      });
    } else {
      out.text(token);
      out.note(`token of ${member.email} in tenant "${values.tenant}", valid ${hours} h`);
      out.note(`curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:${config.http.port}/v1/runs/<runId>/logs`);
    }
    return 0;
  },
};
