/** What the secrets engine stores as a secret's metadata, and what callers see of a secret. */

export interface VersionInfo {
  version: number;
  createdAt: string;
  destroyedAt?: string;
}

export interface SecretMeta {
  name: string;
  environment: string;
  tags: string[];
  /** The current version. */
  version: number;
  createdAt: string;
  updatedAt: string;
  versions: VersionInfo[];
}

/** A secret without its value or version list: what create, list and rotate return. */
export type SecretInfo = Omit<SecretMeta, 'versions'>;

export interface Secret extends SecretInfo {
  value: string;
}
