// What a bearer token may hold (RFC 6750 §2.1, b64token). A token is printed to terminals,
// pasted into shell commands (`token --export`), put in an environment (`exec`) and in a
// header: anything else (an escape sequence, a NUL, a space, a quote) is a broken or hostile
// answer, never used. Kept apart so that the cached-token fast path loads nothing more.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

export function isBearerToken(value: string): boolean {
  return B64TOKEN.test(value);
}
