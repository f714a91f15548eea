/**
 * `npm run dev:token -- [--tenant <slug>] [--user <email>] [--hours <n>]`: mints a development JWT
 * with the claims Hasura expects, signed with AUTH_JWT_SECRET, for a member of a tenant
 * (the demo tenant and user by default).
 */
import { parseArgs } from 'node:util';
import { mintToken } from '@conveyor/auth';
import { loadApiConfig } from '@conveyor/config';
import { createDatabase } from '@conveyor/db';
import { DEMO } from './demo';

const { values } = parseArgs({
  options: {
    tenant: { type: 'string', default: DEMO.tenantSlug },
    user: { type: 'string', default: DEMO.userEmail },
    hours: { type: 'string', default: '12' },
  },
});
const hours = Number(values.hours);
if (!Number.isFinite(hours) || hours <= 0) {
  console.error('--hours must be a positive number');
  process.exit(2);
}

const config = loadApiConfig();
const database = createDatabase({ url: config.database.url, poolSize: 1 });
const { prisma } = database;
const membership = await prisma.membership.findFirst({
  where: { tenant: { slug: values.tenant }, user: { email: values.user } },
  select: { tenantId: true, userId: true },
});
await database.close();
if (!membership) {
  console.error(`no membership of ${values.user} in tenant "${values.tenant}" (run npm start or npm run db:seed for the demo)`);
  process.exit(1);
}
const token = await mintToken(membership, config.auth, Math.round(hours * 3_600));
console.log(token);
console.error(`\ncurl -H "Authorization: Bearer <token>" http://127.0.0.1:${config.http.port}/v1/runs/<runId>/logs`);
