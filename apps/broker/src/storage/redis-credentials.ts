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
