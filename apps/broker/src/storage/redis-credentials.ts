/**
 * The line for Redis refusing REDIS_URL's credentials (WRONGPASS: wrong user or password; NOAUTH: a
 * password is required and none is given), undefined for any other error. It names what to fix and
 * never the credentials themselves; Redis's own replies do not contain them either.
 */
export function credentialsRefusal(error: Error): string | undefined {
  const code = /^(WRONGPASS|NOAUTH)\b/.exec(error.message)?.[1];
  if (code === 'WRONGPASS')
    return "Redis refused the user or password in REDIS_URL (WRONGPASS): check them against Redis's requirepass or ACL; retrying meanwhile";
  if (code === 'NOAUTH')
    return 'Redis requires a password and REDIS_URL gives none (NOAUTH): add it as redis://:password@host:port; retrying meanwhile';
  return undefined;
}

/** Connection errors that say why Redis cannot be reached; ioredis retries them, and so does the broker. */
const UNREACHABLE = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * Why Redis cannot be reached, in the system's own words, which name the host (`getaddrinfo ENOTFOUND redis`)
 * or the address (`connect ECONNREFUSED 10.0.0.5:6379`); undefined for any other error. A Service name that
 * does not resolve yet is retried, not refused: in Kubernetes it can take a few seconds after a pod starts.
 */
export function unreachableCause(error: Error): string | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === undefined || !UNREACHABLE.has(code)) return undefined;
  const dns = code === 'ENOTFOUND' || code.startsWith('EAI_');
  return `redis unreachable: ${error.message}${dns ? ' (the REDIS_URL host does not resolve)' : ''}`;
}
