/** Argument checks at the SDK's entry points, so mistakes fail locally with a message naming the field. */
export function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new TypeError(`"${field}" expected string, got ${value === null ? 'null' : typeof value}`);
  if (value.length === 0) throw new RangeError(`"${field}" expected a non-empty string`);
  return value;
}

export function requireObject<T extends object>(value: T | undefined | null, field: string): T {
  if (typeof value !== 'object' || value === null) throw new TypeError(`"${field}" expected object, got ${value === null ? 'null' : typeof value}`);
  return value;
}

/** A path segment: encoded, so a name can never change which route is called. */
export const seg = (value: unknown, field: string) => encodeURIComponent(requireString(value, field));
