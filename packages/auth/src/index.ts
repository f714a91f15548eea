export { type Caller, HASURA_CLAIMS, type JwtSettings, mintToken, verifyToken } from './tokens';
