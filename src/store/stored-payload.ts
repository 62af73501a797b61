import type { AdapterPayload } from 'oidc-provider';

type Path = readonly string[];

/** Every artifact's own id: the token, the code, the session cookie, the interaction uid, ... */
const OWN_ID: Path = ['jti'];

/**
 * The other places of a payload that hold values a client or a browser presents, by artifact kind
 * (oidc-provider 9). An interaction holds the URL it resumes at (which names its uid), the id of
 * the session cookie, and the device code and pushed request it continues; a device code holds
 * the code its user types; a session holds the token of its logout form. Grant ids, session uids
 * and `sid`s are never presented as credentials and stay in the clear, where revocation and the
 * session binding of tokens look them up.
 */
const BEARER_PATHS: Readonly<Record<string, readonly Path[]>> = {
  DeviceCode: [['userCode']],
  Interaction: [['returnTo'], ['session', 'cookie'], ['deviceCode'], ['parJti']],
  Session: [['state', 'secret']],
};

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** A copy of `source` without what is at `path`, and that value (undefined when there is none). */
function take(source: Json, path: Path): { rest: Json; value: unknown } {
  const [head, ...tail] = path as [string, ...string[]];
  if (!Object.hasOwn(source, head)) return { rest: source, value: undefined };
  const inner = source[head];
  const rest = { ...source };
  if (tail.length === 0) {
    delete rest[head];
    return { rest, value: inner };
  }
  if (!isObject(inner)) return { rest: source, value: undefined };
  const taken = take(inner, tail);
  rest[head] = taken.rest;
  return { rest, value: taken.value };
}

function put(target: Json, path: Path, value: unknown): void {
  const [head, ...tail] = path as [string, ...string[]];
  if (tail.length === 0) {
    target[head] = value;
    return;
  }
  if (!isObject(target[head])) target[head] = {};
  put(target[head] as Json, tail, value);
}

/** A payload split in two: what may be stored in the clear, and the bearer values (by dotted path) to seal. */
export interface SplitPayload {
  clear: AdapterPayload;
  bearer: Record<string, unknown>;
}

/** Takes the bearer values out of a payload of one kind, leaving the payload oidc-provider handed over untouched. */
export function splitPayload(kind: string, payload: AdapterPayload): SplitPayload {
  let clear: Json = payload;
  const bearer: Record<string, unknown> = {};
  for (const path of [OWN_ID, ...(BEARER_PATHS[kind] ?? [])]) {
    const { rest, value } = take(clear, path);
    clear = rest;
    if (value !== undefined) bearer[path.join('.')] = value;
  }
  return { clear: clear as AdapterPayload, bearer };
}

/** Puts the bearer values back where {@link splitPayload} took them from (into `clear`, which it changes). */
export function joinPayload(clear: AdapterPayload, bearer: Record<string, unknown>): AdapterPayload {
  for (const [path, value] of Object.entries(bearer)) put(clear as Json, path.split('.'), value);
  return clear;
}
