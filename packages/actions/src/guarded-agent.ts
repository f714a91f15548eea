import dns, { type LookupAddress } from 'node:dns';
import net, { type LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { type DestinationPolicy, destinationRefusedError } from './destination-policy';

/**
 * An undici dispatcher that only connects to addresses the policy allows. Hostnames are resolved
 * by our own `lookup`, which drops refused addresses and hands the socket only the vetted ones, so
 * the address checked is the address connected to (no DNS-rebinding window). Literal IP hosts,
 * which Node connects to without a lookup, are checked in the connector.
 *
 * Call `close()` when done: each execution owns its agent, so no socket outlives the step.
 */
export function createGuardedAgent(policy: DestinationPolicy): GuardedAgent {
  const connector = buildConnector({ lookup: guardedLookup(policy) });
  const agent = new Agent({
    connect(options, callback) {
      const host = options.hostname.startsWith('[') ? options.hostname.slice(1, -1) : options.hostname;
      if (net.isIP(host) !== 0) {
        const verdict = policy.check(host);
        if (!verdict.allowed) {
          callback(
            destinationRefusedError(host, `${verdict.range} address`, { address: verdict.address, range: verdict.range }),
            null,
          );
          return;
        }
      }
      connector(options, callback);
    },
  });
  return {
    dispatcher: agent,
    close: () => agent.destroy().catch(() => undefined),
  };
}

function guardedLookup(policy: DestinationPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      const verdicts = addresses.map((entry) => ({ entry, verdict: policy.check(entry.address) }));
      const allowed = verdicts.filter(({ verdict }) => verdict.allowed).map(({ entry }) => entry);
      const first = allowed[0];
      if (!first) {
        const refused = verdicts.map(({ verdict }) => `${verdict.address} (${verdict.range})`).join(', ');
        callback(
          destinationRefusedError(hostname, `resolves only to refused addresses: ${refused}`, {
            addresses: verdicts.map(({ verdict }) => ({ address: verdict.address, range: verdict.range })),
          }),
          '',
          0,
        );
        return;
      }
      if (options.all) callback(null, allowed);
      else callback(null, first.address, first.family);
    });
  };
}

export interface GuardedAgent {
  dispatcher: Agent;
  close(): Promise<void>;
}
