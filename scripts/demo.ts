/** The demo data `npm start` seeds and runs. */
export const DEMO = { tenantSlug: 'demo', userEmail: 'demo@conveyor.local', workflowName: 'hello-conveyor' } as const;
