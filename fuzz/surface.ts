import type fc from 'fast-check';
import type { FuzzRequest } from './requests';

/** One HTTP surface: the requests to send it, and which app serves it. */
export interface Surface {
  name: string;
  target: 'api' | 'board' | 'console';
  requests: fc.Arbitrary<FuzzRequest>;
  /** False where the protocol's own error form names no field (GraphQL's `errors`): its 400s are not judged. */
  refusalsNameFields?: false;
}
