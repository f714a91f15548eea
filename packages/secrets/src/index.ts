export { createKeyring, type Keyring, parseKeys, type SealedSecret } from './keyring';
