/**
 * Something the console needs (Redis, the token endpoint) is unreachable or answered nonsense:
 * the request gets 503 with Retry-After, a page in words or JSON, never a 500.
 */
export class DependencyDown extends Error {
  readonly code = 'ROTOR_CONSOLE_DEPENDENCY_DOWN';

  constructor(readonly dependency: string, cause: unknown) {
    super(`${dependency} is unreachable or answered nonsense`, { cause });
    this.name = 'DependencyDown';
  }
}

/** Runs `work`; any failure of it becomes a {@link DependencyDown} of `dependency`. */
export async function needs<T>(dependency: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw new DependencyDown(dependency, err);
  }
}
