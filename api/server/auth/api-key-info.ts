/** An API key as the admin routes return it (a module of its own so the SDK can share the type without the service). */

/** What callers may see of a key: never the hash or the TOTP secret. */
export interface ApiKeyInfo {
  id: string;
  name: string;
  environments: string[];
  policies: string[];
  createdAt: string;
  revokedAt?: string;
  mfaEnrolled: boolean;
}
