/** LSS dynamic resharing: move a key to a new committee and threshold, keeping its public key. */
export { decodeResharePlan, encodeResharePlan, validateResharePlan, type ResharePlan, type ResharePlanInput, type ReshareScheme, type ReshareTarget } from './plan.js';
export { createReshareSession, reshareSessionId, RESHARE_PROTOCOL, RESHARE_ROUND, type ReshareInput, type ReshareResult } from './reshare.js';
export { ecdsaResharePlan, toEcdsaKeyShare } from './to-ecdsa.js';
export { frostDealerSecret, frostResharePlan, toFrostKeyShare } from './to-frost.js';
export { activate, assertSignable, beginReshare, initialGenerations, rollback, type GenerationState } from './generations.js';
