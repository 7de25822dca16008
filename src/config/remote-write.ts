// Prometheus remote-write settings (design §5, Sinks): the receiver's URL, basic auth or a bearer
// token (environment or file, never argv), the tenant header, and how old a sample it still takes.
import { UsageError } from "../errors.js";
import { parseDuration } from "../time.js";
import { fromFile, fromFlag, type Inputs } from "./inputs.js";
import { resolveSecret } from "./secret.js";
import type { RemoteWriteCredentials, RemoteWriteSettings } from "./types.js";
import { parseServiceUrl, pick } from "./values.js";

/** A default Prometheus head takes samples up to about an hour behind its newest (reference §2.2). */
export const DEFAULT_REMOTE_WRITE_MAX_AGE = "55m";

/** `--remote-write-max-age`: non-secret, resolved before any secret so the schedule is checked first. */
export function remoteWriteMaxAge(inputs: Inputs): number {
  const raw = pick(
    fromFlag(inputs.flags.remoteWriteMaxAge, "--remote-write-max-age"),
    fromFile(inputs, "prometheus.maxAge", inputs.file.prometheus?.maxAge),
  ) ?? { value: DEFAULT_REMOTE_WRITE_MAX_AGE, from: "--remote-write-max-age" };
  const ms = parseDuration(raw.value, raw.from);
  if (ms < 10 * 60_000) {
    throw new UsageError(
      `${raw.from}: '${raw.value}' is shorter than any bucket's sending age; use at least 10m (the default, 55m, fits a default Prometheus)`,
    );
  }
  return ms;
}

/** A header value: printable ASCII without spaces (X-Scope-OrgID). */
function parseTenant(value: string, from: string): string {
  if (!/^[\x21-\x7e]{1,150}$/.test(value)) {
    throw new UsageError(`${from}: '${value}' is not a tenant id; use up to 150 printable characters without spaces`);
  }
  return value;
}

function credentialsOf(inputs: Inputs): { credentials?: RemoteWriteCredentials; from: string } {
  const { flags, env, file } = inputs;
  const section = file.prometheus ?? {};
  const usernameRaw = pick(
    fromFlag(env.PROMETHEUS_REMOTE_WRITE_USERNAME, "PROMETHEUS_REMOTE_WRITE_USERNAME"),
    fromFile(inputs, "prometheus.username", section.username),
  );
  const password = resolveSecret(inputs, {
    file: fromFlag(flags.remoteWritePasswordFile, "--remote-write-password-file"),
    env: { name: "PROMETHEUS_REMOTE_WRITE_PASSWORD", value: env.PROMETHEUS_REMOTE_WRITE_PASSWORD },
    configFile: { key: "prometheus.passwordFile", value: section.passwordFile },
    configEnv: { key: "prometheus.passwordEnv", value: section.passwordEnv },
  });
  const bearer = resolveSecret(inputs, {
    file: fromFlag(flags.remoteWriteBearerTokenFile, "--remote-write-bearer-token-file"),
    env: { name: "PROMETHEUS_REMOTE_WRITE_BEARER_TOKEN", value: env.PROMETHEUS_REMOTE_WRITE_BEARER_TOKEN },
    configFile: { key: "prometheus.bearerTokenFile", value: section.bearerTokenFile },
    configEnv: { key: "prometheus.bearerTokenEnv", value: section.bearerTokenEnv },
  });
  if (bearer && (usernameRaw || password)) {
    throw new UsageError(
      `${bearer.from}: a bearer token and basic auth (${usernameRaw?.from ?? password?.from}) are both set; use one of them`,
    );
  }
  if (bearer) return { credentials: { bearerToken: bearer.value }, from: bearer.from };
  if (usernameRaw && !password) {
    throw new UsageError(
      `${usernameRaw.from}: basic auth needs a password too; export PROMETHEUS_REMOTE_WRITE_PASSWORD or pass --remote-write-password-file FILE`,
    );
  }
  if (password && !usernameRaw) {
    throw new UsageError(
      `${password.from}: basic auth needs a user name too; export PROMETHEUS_REMOTE_WRITE_USERNAME (or use PROMETHEUS_REMOTE_WRITE_BEARER_TOKEN for a token)`,
    );
  }
  if (usernameRaw && password) {
    if (usernameRaw.value.includes(":") || !/^[\x20-\x7e]+$/.test(usernameRaw.value)) {
      throw new UsageError(`${usernameRaw.from}: a basic-auth user name holds no ':' and only printable characters`);
    }
    return {
      credentials: { username: usernameRaw.value, password: password.value },
      from: `${usernameRaw.from} and ${password.from}`,
    };
  }
  return { from: "no credentials (PROMETHEUS_REMOTE_WRITE_USERNAME/_PASSWORD or _BEARER_TOKEN)" };
}

export function resolveRemoteWrite(inputs: Inputs, required: boolean): RemoteWriteSettings | undefined {
  const { flags, env, file } = inputs;
  const section = file.prometheus ?? {};
  const urlRaw = pick(
    fromFlag(flags.remoteWriteUrl, "--remote-write-url"),
    fromFlag(env.PROMETHEUS_REMOTE_WRITE_URL, "PROMETHEUS_REMOTE_WRITE_URL"),
    fromFile(inputs, "prometheus.url", section.url),
  );
  const url = urlRaw ? parseServiceUrl(urlRaw, "https://prometheus.example.com/api/v1/write") : undefined;
  const maxAgeMs = remoteWriteMaxAge(inputs);
  const tenantRaw = pick(
    fromFlag(env.PROMETHEUS_REMOTE_WRITE_TENANT, "PROMETHEUS_REMOTE_WRITE_TENANT"),
    fromFile(inputs, "prometheus.tenant", section.tenant),
  );
  const tenant = tenantRaw ? parseTenant(tenantRaw.value, tenantRaw.from) : undefined;
  const { credentials, from } = credentialsOf(inputs);
  if (!url || !urlRaw) {
    if (!required) return undefined;
    throw new UsageError(
      "PROMETHEUS_REMOTE_WRITE_URL is not set; export PROMETHEUS_REMOTE_WRITE_URL with the receiver's write endpoint (e.g. https://prometheus.example.com/api/v1/write), pass --remote-write-url URL, or use --dry-run to print what would be sent",
    );
  }
  return { url, credentials, tenant, maxAgeMs, origin: { url: urlRaw.from, credentials: from } };
}
