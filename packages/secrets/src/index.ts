export { createDataKey, openWithDataKey, sealWithDataKey } from './data-key';
export { sha256Hex } from './digest';
export { createKeyring, type Keyring, parseKeys, type SealedSecret } from './keyring';
