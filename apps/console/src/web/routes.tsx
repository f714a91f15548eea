import { createBrowserRouter, Navigate } from 'react-router';
import { RunsPage } from './runs/runs-page';
import { Shell } from './session/shell';
import { SignInPage } from './session/sign-in-page';
import { NotFound } from './ui/states';

// The run page (with the graph layout) and the workflow pages load when first visited: the runs list,
// where most visits start, does not wait for them.
export const router = createBrowserRouter([
  { path: '/sign-in', element: <SignInPage /> },
  {
    path: '/',
    element: <Shell />,
    children: [
      { index: true, element: <Navigate to="/runs" replace /> },
      { path: 'runs', element: <RunsPage /> },
      { path: 'runs/:runId', lazy: async () => ({ Component: (await import('./run/run-page')).RunPage }) },
      { path: 'workflows', lazy: async () => ({ Component: (await import('./workflows/workflows-page')).WorkflowsPage }) },
      {
        path: 'workflows/:workflowId',
        lazy: async () => ({ Component: (await import('./workflows/workflow-page')).WorkflowPage }),
      },
      { path: '*', element: <NotFound what="page" /> },
    ],
  },
]);
