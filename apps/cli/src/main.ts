import { type Command, UsageError, wantsHelp } from './args';

// The `conveyor` command: finds the command its first words name, loads only that one (a command
// that needs no database does not pay for Prisma), and exits with its code: 0 ok, 1 the command
// failed, 2 bad arguments (the message names the argument).

const commands: { name: string; summary: string; load: () => Promise<Command> }[] = [
  {
    name: 'runs start',
    summary: 'start a run of a workflow (insert it and dispatch it as the api does)',
    load: async () => (await import('./commands/runs-start.command')).runsStartCommand,
  },
  {
    name: 'runs watch',
    summary: 'follow a run live: progress bar and step timings, until it finishes',
    load: async () => (await import('./commands/runs-watch.command')).runsWatchCommand,
  },
  {
    name: 'logs tail',
    summary: "print a run's execution logs as they are written, until it finishes",
    load: async () => (await import('./commands/logs-tail.command')).logsTailCommand,
  },
  {
    name: 'queues',
    summary: 'job counts per queue and state, and the oldest waiting job',
    load: async () => (await import('./commands/queues.command')).queuesCommand,
  },
  {
    name: 'reconcile',
    summary: 'ask the workers for one reconciler pass and print what it repaired',
    load: async () => (await import('./commands/reconcile.command')).reconcileCommand,
  },
  {
    name: 'keys reseal',
    summary: 'wrap tenant data keys under the active connection key; move old credentials to envelope form',
    load: async () => (await import('./commands/keys-reseal.command')).keysResealCommand,
  },
  {
    name: 'tenants networks',
    summary: "show or set the private networks a tenant's http.request steps may reach",
    load: async () => (await import('./commands/tenants-networks.command')).tenantsNetworksCommand,
  },
  {
    name: 'dev token',
    summary: 'mint a development JWT for a member of a tenant',
    load: async () => (await import('./commands/dev-token.command')).devTokenCommand,
  },
];

const list = (entries: typeof commands) => entries.map((entry) => `  ${entry.name.padEnd(17)} ${entry.summary}`);

const overview = [
  'Usage: conveyor <command> [options]',
  '',
  'Commands:',
  ...list(commands),
  '',
  'Every command reads its settings from the environment (DATABASE_URL, REDIS_URL, QUEUE_PREFIX,',
  'MONGO_URL, API_PORT, AUTH_JWT_*), takes --json for output scripts can parse, and --help.',
  'Exit codes: 0 ok, 1 failure, 2 bad arguments.',
].join('\n');

async function main(argv: string[]): Promise<number> {
  const [first, second] = argv;
  const isHelp = (word: string | undefined) => word === '--help' || word === '-h' || word === 'help';
  if (first === undefined || isHelp(first)) {
    (first === undefined ? console.error : console.log)(overview);
    return first === undefined ? 2 : 0;
  }
  const entry = commands.find((candidate) => candidate.name.split(' ').every((word, index) => argv[index] === word));
  if (!entry) {
    const group = commands.filter((candidate) => candidate.name.startsWith(`${first} `));
    if (group.length > 0 && (second === undefined || isHelp(second))) {
      (second === undefined ? console.error : console.log)([`Usage: conveyor ${first} <command>`, '', ...list(group)].join('\n'));
      return second === undefined ? 2 : 0;
    }
    console.error(`conveyor: unknown command "${group.length > 0 ? `${first} ${second}` : first}"\n\n${overview}`);
    return 2;
  }

  const command = await entry.load();
  const args = argv.slice(entry.name.split(' ').length);
  if (wantsHelp(args)) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`conveyor ${command.name}: ${error.message}\nRun "conveyor ${command.name} --help" for usage.`);
      return 2;
    }
    console.error(`conveyor ${command.name}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
