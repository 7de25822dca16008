// Which Segment workspaces to read: one from the environment (SEGMENT_TOKEN…), or several from the
// config file, each with its token from a named environment variable or a file.

import { UsageError } from "../errors.js";
import { assertVariableName } from "./files.js";
import { fromFile, fromFlag, type Inputs } from "./inputs.js";
import { resolveThresholds } from "./thresholds.js";
import type { WorkspaceSettings } from "./types.js";
import { checkSecret, parseServiceUrl, parseTags, pick, readSecretFile, splitList } from "./values.js";

export const DEFAULT_SEGMENT_URL = "https://api.segmentapis.com";
export const EU_SEGMENT_URL = "https://eu1.api.segmentapis.com";

function fromEnvironment(inputs: Inputs): WorkspaceSettings {
  const { flags, env } = inputs;
  const tokenFile = pick(
    fromFlag(flags.segmentTokenFile, "--segment-token-file"),
    fromFlag(env.SEGMENT_TOKEN_FILE, "SEGMENT_TOKEN_FILE"),
  );
  let token: string;
  if (tokenFile) token = readSecretFile(tokenFile);
  else if (env.SEGMENT_TOKEN) token = checkSecret(env.SEGMENT_TOKEN, "SEGMENT_TOKEN");
  else {
    throw new UsageError(
      "SEGMENT_TOKEN is not set; export SEGMENT_TOKEN with a Segment Public API token, pass --segment-token-file FILE, or list workspaces in --config",
    );
  }
  const apiUrl = parseServiceUrl(
    pick(fromFlag(flags.segmentUrl, "--segment-url"), fromFlag(env.SEGMENT_API_URL, "SEGMENT_API_URL")) ?? {
      value: DEFAULT_SEGMENT_URL,
      from: "--segment-url",
    },
  );
  const include = flags.source?.length ? splitList(flags.source) : splitList(env.SEGMENT_EXPORTER_SOURCES);
  return { label: "the workspace", token, apiUrl, include, exclude: [], tags: [] };
}

export function resolveWorkspaces(inputs: Inputs): WorkspaceSettings[] {
  const entries = inputs.file.workspaces;
  if (!entries) return [fromEnvironment(inputs)];
  for (const [flag, value] of [
    ["--segment-url", inputs.flags.segmentUrl],
    ["--segment-token-file", inputs.flags.segmentTokenFile],
  ] as const) {
    if (value)
      throw new UsageError(
        `${flag}: the config file lists workspaces; set their apiUrl/region and tokenEnv/tokenFile there`,
      );
  }
  const override = inputs.flags.source?.length ? splitList(inputs.flags.source) : undefined;
  return entries.map((w, i) => {
    const path = `workspaces[${i}]`;
    const at = (key: string) => fromFile(inputs, `${path}.${key}`, "").from;
    let token: string;
    if (w.tokenFile) token = readSecretFile({ value: w.tokenFile, from: at("tokenFile") });
    else {
      const name = w.tokenEnv ?? "";
      assertVariableName(name, at("tokenEnv"));
      const value = inputs.rawEnv[name];
      if (!value)
        throw new UsageError(
          `${at("tokenEnv")}: environment variable ${name} is not set; export it with this workspace's Segment token`,
        );
      token = checkSecret(value, name);
    }
    const apiUrl = w.apiUrl
      ? parseServiceUrl({ value: w.apiUrl, from: at("apiUrl") })
      : w.region === "eu"
        ? EU_SEGMENT_URL
        : DEFAULT_SEGMENT_URL;
    return {
      label: `${path}${w.name ? ` (${w.name})` : ""}`,
      token,
      apiUrl,
      include: override ?? w.sources?.include ?? [],
      exclude: override ? [] : (w.sources?.exclude ?? []),
      tags: parseTags(w.tags ?? [], at("tags")),
      thresholds: w.thresholds ? resolveThresholds(w.thresholds, at("thresholds")) : undefined,
    };
  });
}
