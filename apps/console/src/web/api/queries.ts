import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from './client';
import { isEnded, type RunPage, type RunStatus } from './types';

/** How often what is still moving is read again: visible runs' statuses, an open run's steps. */
export const LIVE_REFRESH_MS = 2_000;

export interface RunFilters {
  status: RunStatus[];
  workflowId?: string | undefined;
  triggerId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  q?: string | undefined;
}

export function useSession() {
  return useQuery({ queryKey: ['session'], queryFn: async () => unwrap(await api.GET('/v1/session')), staleTime: 60_000 });
}

/** Keyset pages of runs, newest first; refreshed while any loaded run has not ended. */
export function useRuns(filters: RunFilters) {
  return useInfiniteQuery({
    queryKey: ['runs', filters],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET('/v1/runs', {
          params: {
            query: {
              status: filters.status.length > 0 ? filters.status.join(',') : undefined,
              workflowId: filters.workflowId,
              triggerId: filters.triggerId,
              from: filters.from,
              to: filters.to,
              q: filters.q,
              cursor: pageParam,
              limit: 50,
            },
          },
        }),
      ),
    getNextPageParam: (page: RunPage) => page.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    refetchInterval: (query) =>
      query.state.data?.pages.some((page) => page.runs.some((run) => !isEnded(run.status))) ? LIVE_REFRESH_MS : false,
  });
}

export function useRun(runId: string) {
  return useQuery({
    queryKey: ['run', runId],
    queryFn: async () => unwrap(await api.GET('/v1/runs/{runId}', { params: { path: { runId } } })),
    refetchInterval: (query) => (query.state.data && isEnded(query.state.data.status) ? false : LIVE_REFRESH_MS),
  });
}

export function useWorkflows() {
  return useQuery({ queryKey: ['workflows'], queryFn: async () => unwrap(await api.GET('/v1/workflows', {})) });
}

export function useWorkflow(workflowId: string) {
  return useQuery({
    queryKey: ['workflow', workflowId],
    queryFn: async () => unwrap(await api.GET('/v1/workflows/{workflowId}', { params: { path: { workflowId } } })),
  });
}

export function useWorkflowStats(workflowId: string) {
  return useQuery({
    queryKey: ['workflow-stats', workflowId],
    queryFn: async () => unwrap(await api.GET('/v1/workflows/{workflowId}/stats', { params: { path: { workflowId } } })),
  });
}

/** Cancel or retry one run or several; every list and view of runs is read again afterwards. */
export function useRunCommand() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ command, runIds }: { command: 'cancel' | 'retry'; runIds: string[] }) =>
      command === 'cancel'
        ? unwrap(await api.POST('/v1/runs/cancel', { body: { runIds, reason: 'cancelled in the console' } }))
        : unwrap(await api.POST('/v1/runs/retry', { body: { runIds } })),
    onSettled: async () => {
      await queryClient.invalidateQueries({ queryKey: ['runs'] });
      await queryClient.invalidateQueries({ queryKey: ['run'] });
    },
  });
}
