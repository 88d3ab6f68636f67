/**
 * Names of the figures the benchmarks report and the orchestrator reads back, in one place so a rename on either
 * side cannot silently drop a row from the summary.
 */
export const CLUSTER = {
  keygen: 'cggmp21 keygen+aux 2-of-3',
  keygenCpu: 'cggmp21 keygen+aux, CPU of all nodes',
  keygenBusiest: 'cggmp21 keygen+aux, CPU of the busiest node',
  frostKeygen: 'frost-taproot keygen 2-of-3',
  frostSign: 'frost-taproot sign 2-of-3 across processes',
  nobleFrostSign: 'noble schnorr_FROST sign 2-of-3, one process',
  pooledSign: 'ecdsa sign 2-of-3, warm pool',
  pooledSignCpu: 'ecdsa sign 2-of-3, warm pool, CPU of all nodes',
  nobleSign: 'noble secp256k1 sign, one party',
  noPoolSign: 'ecdsa presign+sign 2-of-3, no pool',
  noPoolSignCpu: 'ecdsa presign+sign 2-of-3, no pool, CPU of both signers',
  noPoolSignBusiest: 'ecdsa presign+sign 2-of-3, no pool, CPU of the busier signer',
  sustained: 'ecdsa signatures/s sustained, pool on',
  sustainedLatency: 'ecdsa sign latency under sustained load',
  sustainedCeiling: 'presign-bound ceiling on this machine',
  reshare: 'lss reshare 2-of-3 → 3-of-5 (incl. aux)',
  reshareCpu: 'lss reshare, CPU of all nodes',
  reshareBusiest: 'lss reshare, CPU of the busiest node',
} as const;

export const DKLS = {
  keygen: 'keygen 2-of-3',
  sign: 'sign 2-of-3 (presign + online)',
  presign: 'presign 2-of-3',
  online: 'online sign 2-of-3',
} as const;

export const GATEWAY = {
  bare: (clients: number) => `bare route ${clients} clients`,
  bareLatency: (clients: number) => `bare route latency ${clients} clients`,
  read: (clients: number) => `secret read ${clients} clients`,
  readLatency: (clients: number) => `secret read latency ${clients} clients`,
  ratio: (clients: number) => `secret read / bare ${clients} clients`,
} as const;

/** The committees of the scaling runs: 2-of-3, then n-of-n. */
export const SCALING_COMMITTEES = [
  { signers: 2, parties: 3 },
  { signers: 3, parties: 3 },
  { signers: 5, parties: 5 },
  { signers: 7, parties: 7 },
  { signers: 9, parties: 9 },
] as const;

export const committeeLabel = (c: { signers: number; parties: number }): string => `${c.signers}-of-${c.parties}`;

export const CGGMP21_SCALING = {
  total: (label: string) => `presign+sign ${label}, all parties`,
  busiest: (label: string) => `presign ${label}, busiest party`,
  sign: (label: string) => `sign ${label}, all parties`,
} as const;

/** `frost.ts`: each operation is "<protocol> keygen 2-of-3" or "<protocol> sign 2-of-3". */
export const FROST_ENGINE = {
  operations: ['frost keygen 2-of-3', 'frost sign 2-of-3', 'frost-taproot keygen 2-of-3', 'frost-taproot sign 2-of-3'],
  ours: (operation: string) => `ours ${operation}`,
  noble: (operation: string) => `noble ${operation}`,
  ratio: (operation: string) => `ours/noble ${operation}`,
  unsignedRatio: (operation: string) => `ours/noble ${operation}, envelopes unsigned (diagnostic)`,
} as const;

export const FROST_SCALING = {
  ours: (label: string) => `ours ${label}`,
  busiest: (label: string) => `busiest party ${label}`,
  noble: (label: string) => `noble ${label}`,
  ratio: (label: string) => `ours/noble ${label}`,
} as const;
