// `--config FILE` (YAML or JSON, design §5): several workspaces, the sink's settings and command
// defaults. Validated by zod; every error names the path of the bad key (`workspaces[1].region`).
// The literal token is never in the file: each workspace names an environment variable or a file.
//
// zod and yaml are loaded (as their CommonJS builds, synchronously) only when a config file is
// given: most runs have none, and a usage error must not pay for them (issue #14: cold start).
import { createRequire } from "node:module";
import type { z } from "zod";
import { UsageError } from "../errors.js";
import { readBoundedFile } from "./files.js";

const require = createRequire(import.meta.url);

/** A config file of a thousand workspaces is well under this; anything larger is not one. */
const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

function buildSchemas() {
  const { z } = require("zod") as typeof import("zod");
  const nonEmpty = z.string().trim().min(1, "must not be empty");
  const stringList = z.array(nonEmpty);

  const thresholdsSchema = z.strictObject({
    minSuccessRate: z.union([z.number(), nonEmpty]).optional(),
    maxP95: nonEmpty.optional(),
    minEvents: z.number().int().nonnegative().optional(),
    destinations: z
      .record(
        nonEmpty,
        z.strictObject({
          minSuccessRate: z.union([z.number(), nonEmpty]).optional(),
          maxP95: nonEmpty.optional(),
        }),
      )
      .optional(),
  });

  const workspaceSchema = z
    .strictObject({
      name: nonEmpty.optional(),
      tokenEnv: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name like SEGMENT_TOKEN_PROD")
        .optional(),
      tokenFile: nonEmpty.optional(),
      region: z.enum(["us", "eu"]).optional(),
      apiUrl: nonEmpty.optional(),
      sources: z
        .strictObject({ include: stringList.optional(), exclude: stringList.optional() })
        .refine((s) => !(s.include && s.exclude), "use include or exclude, not both")
        .optional(),
      tags: stringList.optional(),
      thresholds: thresholdsSchema.optional(),
    })
    .refine((w) => (w.tokenEnv === undefined) !== (w.tokenFile === undefined), {
      message: "needs exactly one of tokenEnv (an environment variable name) or tokenFile (a path)",
    })
    .refine((w) => !(w.region && w.apiUrl), { message: "use region or apiUrl, not both" });

  const configFileSchema = z.strictObject({
    workspaces: z.array(workspaceSchema).min(1, "list at least one workspace").optional(),
    datadog: z
      .strictObject({
        site: nonEmpty.optional(),
        apiUrl: nonEmpty.optional(),
        apiKeyEnv: nonEmpty.optional(),
        apiKeyFile: nonEmpty.optional(),
        appKeyEnv: nonEmpty.optional(),
        appKeyFile: nonEmpty.optional(),
      })
      .optional(),
    sink: nonEmpty.optional(),
    newrelic: z
      .strictObject({
        region: nonEmpty.optional(),
        url: nonEmpty.optional(),
        licenseKeyEnv: nonEmpty.optional(),
        licenseKeyFile: nonEmpty.optional(),
      })
      .optional(),
    prometheus: z
      .strictObject({
        url: nonEmpty.optional(),
        username: nonEmpty.optional(),
        passwordEnv: nonEmpty.optional(),
        passwordFile: nonEmpty.optional(),
        bearerTokenEnv: nonEmpty.optional(),
        bearerTokenFile: nonEmpty.optional(),
        tenant: nonEmpty.optional(),
        maxAge: nonEmpty.optional(),
      })
      .optional(),
    export: z
      .strictObject({
        bucket: nonEmpty.optional(),
        delay: nonEmpty.optional(),
        reread: z.union([nonEmpty, stringList]).optional(),
        historical: z.boolean().optional(),
        maxDuration: nonEmpty.optional(),
        eventVolume: z.boolean().optional(),
        eventsGroupBy: z.union([nonEmpty, stringList]).optional(),
        usage: z.boolean().optional(),
        errorDetails: z.boolean().optional(),
        pipeline: z.boolean().optional(),
      })
      .optional(),
    check: z
      .strictObject({
        window: nonEmpty.optional(),
        minSuccessRate: z.union([z.number(), nonEmpty]).optional(),
        // Checked by parseCount (config/thresholds.ts), so the flag and the key share one message.
        minDeliveries: z.union([z.number(), nonEmpty]).optional(),
        maxP95: nonEmpty.optional(),
        minEvents: z.number().int().nonnegative().optional(),
      })
      .optional(),
    state: nonEmpty.optional(),
    metricPrefix: nonEmpty.optional(),
    tags: stringList.optional(),
    logLevel: nonEmpty.optional(),
    concurrency: z.number().int().min(1).max(64).optional(),
    requestTimeout: nonEmpty.optional(),
    rateLimits: z.record(nonEmpty, z.number().int().min(1)).optional(),
  });
  return { configFileSchema, thresholdsSchema };
}

let schemas: ReturnType<typeof buildSchemas> | undefined;
/** The config file's zod schemas, built on first use. */
export function configFileSchemas(): ReturnType<typeof buildSchemas> {
  schemas ??= buildSchemas();
  return schemas;
}

export type ConfigFile = z.infer<ReturnType<typeof buildSchemas>["configFileSchema"]>;
export type WorkspaceEntry = NonNullable<ConfigFile["workspaces"]>[number];
export type ThresholdsEntry = z.infer<ReturnType<typeof buildSchemas>["thresholdsSchema"]>;

function pathOf(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>(
    (out, key) => (typeof key === "number" ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    "",
  );
}

/** Reads and validates the file; `flag` is how the user named it (for messages). */
export function loadConfigFile(path: string, flag = "--config"): ConfigFile {
  const text = readBoundedFile({ path, from: flag, what: "config file", shown: path }, MAX_CONFIG_FILE_BYTES);
  let data: unknown;
  try {
    const yaml = () => require("yaml") as typeof import("yaml");
    data = /\.json$/i.test(path) ? JSON.parse(text) : yaml().parse(text, { prettyErrors: false });
  } catch (error) {
    const detail = error instanceof Error ? error.message.split("\n")[0] : "syntax error";
    throw new UsageError(`${flag}: ${path} is not valid ${/\.json$/i.test(path) ? "JSON" : "YAML"} (${detail})`);
  }
  if (data === null || data === undefined) data = {};
  // A literal token is refused with its own message: it must never sit in a file.
  const workspaces = (data as { workspaces?: unknown }).workspaces;
  if (Array.isArray(workspaces)) {
    const index = workspaces.findIndex((w) => w && typeof w === "object" && "token" in w);
    if (index >= 0) {
      throw new UsageError(
        `${flag}: workspaces[${index}].token: the token is never written in the config file; use tokenEnv: VARIABLE_NAME or tokenFile: /path/to/secret`,
      );
    }
  }
  const result = configFileSchemas().configFileSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue ? pathOf(issue.path) || "(top level)" : "(top level)";
    const what =
      issue?.code === "unrecognized_keys"
        ? `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")}; check the spelling against the README`
        : (issue?.message ?? "invalid");
    throw new UsageError(`${flag}: ${path}: ${where}: ${what}`);
  }
  return result.data;
}
