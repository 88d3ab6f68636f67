/**
 * Resource and action globs: `*` matches any run of characters (including `:` and `/`), `?` exactly one;
 * everything else is literal. `key:treasury-*` matches `key:treasury-hot` but not `key:ops-treasury-1`.
 */
const compiled = new Map<string, RegExp>();
const MAX_CACHED = 10_000;

export function globMatch(pattern: string, value: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${body}$`, 's');
    if (compiled.size >= MAX_CACHED) compiled.clear();
    compiled.set(pattern, re);
  }
  return re.test(value);
}
