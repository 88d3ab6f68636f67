/** FROST threshold Schnorr (RFC 9591, and its BIP-340/Taproot variant) on noble's implementation and our round engine. */
export { ciphersuite, FROST_PROTOCOLS, frostIdentifier, isFrostProtocol, verifyFrostSignature, type Ciphersuite, type FrostProtocol } from './ciphersuite.js';
export { frostKeygen, type FrostKeygenOptions } from './dkg.js';
export { frostSign, frostSigningPlan, type FrostSignOptions } from './sign.js';
export { assertKeyShareShape, deserializeKeyShare, serializeKeyShare, validateKeyShare, type FrostKeyShare } from './key-share.js';
export { liftX, tapTweak, taprootOutputKey, taprootOutputPoint, xOnly } from './taproot.js';
