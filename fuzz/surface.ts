import type fc from 'fast-check';
import type { FuzzRequest } from './requests';

/** One HTTP surface: the requests to send it, and which app serves it. */
export interface Surface {
  name: string;
  target: 'api' | 'board';
  requests: fc.Arbitrary<FuzzRequest>;
}
