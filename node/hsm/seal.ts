/**
 * Encryption at rest for every secret a node keeps (shares, aux secrets, presignatures, the gateway barrier key).
 * Implementations: PKCS#11 (a non-extractable AES-256 key inside the HSM token, AES-GCM) and a software seal
 * (a passphrase-derived key) for the embedded default. `associatedData` binds a sealed blob to its record id and
 * generation, so a blob moved to another record fails to open.
 */
export interface Seal {
  readonly kind: 'pkcs11' | 'software';
  seal(plaintext: Uint8Array, associatedData: Uint8Array): Promise<Uint8Array>;
  unseal(sealed: Uint8Array, associatedData: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}
