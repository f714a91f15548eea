import { createBrowserRouter, Navigate } from 'react-router';
import { RunPage } from './run/run-page';
import { RunsPage } from './runs/runs-page';
import { Shell } from './session/shell';
import { SignInPage } from './session/sign-in-page';
import { NotFound } from './ui/states';
import { WorkflowPage } from './workflows/workflow-page';
import { WorkflowsPage } from './workflows/workflows-page';

export const router = createBrowserRouter([
  { path: '/sign-in', element: <SignInPage /> },
  {
    path: '/',
    element: <Shell />,
    children: [
      { index: true, element: <Navigate to="/runs" replace /> },
      { path: 'runs', element: <RunsPage /> },
      { path: 'runs/:runId', element: <RunPage /> },
      { path: 'workflows', element: <WorkflowsPage /> },
      { path: 'workflows/:workflowId', element: <WorkflowPage /> },
      { path: '*', element: <NotFound what="page" /> },
    ],
  },
]);
