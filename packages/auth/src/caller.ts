import type { ApiKeyScope } from './api-keys';

/**
 * Who an app-facing request comes from: a member of a tenant (by a JWT) or one of a tenant's API
 * keys. The tenant is always the verified credential's, never the request's.
 */
export type Caller = UserCaller | ApiKeyCaller;

export interface UserCaller {
  kind: 'user';
  tenantId: string;
  userId: string;
  /** The token's default Hasura role. */
  role: string;
  /** When the token expires (its `exp`): what a token exchanged for it may not outlive. */
  expiresAt: Date;
}

export interface ApiKeyCaller {
  kind: 'apiKey';
  tenantId: string;
  apiKeyId: string;
  /** The scopes the key was granted (only those still in API_KEY_SCOPES). */
  scopes: ApiKeyScope[];
}
