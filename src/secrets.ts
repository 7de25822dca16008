// The secrets this process knows (tokens, API and application keys) and the scrubber every output
// line passes through. A leaf module: error lines use it without loading the logger.

const secrets = new Set<string>();
export const REDACTED = "[REDACTED]";

/** Registers a secret value (token, API key) so no output of this process ever contains it. */
export function registerSecret(value: string | undefined): void {
  // Every length: a short (test or mistyped) token is still a secret. Redacting an ordinary word
  // that happens to equal it is the lesser harm.
  if (value) secrets.add(value);
}

export function scrub(text: string): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}
