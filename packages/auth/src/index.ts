export {
  API_KEY_SCOPE_MEANINGS,
  API_KEY_SCOPES,
  type ApiKeyScope,
  apiKeyPrefix,
  isApiKeyCredential,
  isWellFormedApiKey,
  knownScopes,
  mintApiKey,
} from './api-keys';
export type { ApiKeyCaller, Caller, UserCaller } from './caller';
export { HASURA_CLAIMS, type JwtSettings, mintToken, verifyToken } from './tokens';
