import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api, unwrap } from '../api/client';
import type { Session } from '../api/types';
import { storeToken } from './token-store';

/**
 * The tenants the user is a member of. Choosing one trades the token for one of that tenant (the api
 * checks the membership and never lets the new token outlive the old one); every cached answer
 * belonged to the other tenant, so all are dropped.
 */
export function TenantPicker({ session }: { session: Session }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  if (session.memberships.length < 2) return <span className="tenant">{session.tenantName}</span>;
  const switchTo = async (tenantId: string) => {
    try {
      const { token } = unwrap(await api.POST('/v1/session/tenant', { body: { tenantId } }));
      queryClient.clear();
      storeToken(token);
      setError(null);
      navigate('/runs');
    } catch (cause) {
      setError(cause instanceof Error ? cause.message : String(cause));
    }
  };
  return (
    <label className="tenant-picker">
      <span className="visually-hidden">Tenant</span>
      <select value={session.tenantId} onChange={(event) => void switchTo(event.target.value)}>
        {session.memberships.map((membership) => (
          <option key={membership.tenantId} value={membership.tenantId}>
            {membership.name}
          </option>
        ))}
      </select>
      {error && (
        <span role="alert" className="error-text">
          {error}
        </span>
      )}
    </label>
  );
}
