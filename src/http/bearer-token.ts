/** The token of an `Authorization: Bearer …` header; tokens are accepted nowhere else (not in a query or a cookie). */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer ([A-Za-z0-9_\-.~+/]+=*)$/.exec(header);
  return m?.[1];
}
