// The three layers a setting can come from, in order: flags > environment > config file.
// Each raw value keeps where it came from, so an error names the flag, the variable or the
// file's key path the user has to fix.

import { UsageError } from "../errors.js";
import { type Env, readEnv } from "./env.js";
import { type ConfigFile, loadConfigFile } from "./file.js";
import type { CommonFlags } from "./types.js";
import type { Raw } from "./values.js";

export interface Inputs<F extends CommonFlags = CommonFlags> {
  flags: F;
  env: Env;
  /** The whole environment: workspaces name their own token variables. */
  rawEnv: NodeJS.ProcessEnv;
  file: ConfigFile;
  filePath?: string | undefined;
}

export function loadInputs<F extends CommonFlags>(flags: F, rawEnv: NodeJS.ProcessEnv): Inputs<F> {
  assertNoEmptyFlags(flags);
  const env = readEnv(rawEnv);
  const fileRaw = flags.config
    ? { value: flags.config, from: "--config" }
    : env.SEGMENT_EXPORTER_CONFIG
      ? { value: env.SEGMENT_EXPORTER_CONFIG, from: "SEGMENT_EXPORTER_CONFIG" }
      : undefined;
  const file = fileRaw ? loadConfigFile(fileRaw.value, fileRaw.from) : {};
  return { flags, env, rawEnv, file, filePath: fileRaw?.value };
}

export const fromFlag = <T>(value: T | undefined, name: string): Raw<T | undefined> => ({ value, from: name });

/** A value of the config file, named by its key path for messages. */
export function fromFile<T>(inputs: Inputs, keyPath: string, value: T | undefined): Raw<T | undefined> {
  return { value, from: `--config ${inputs.filePath ?? ""}: ${keyPath}` };
}

/**
 * A flag given with an empty value (`--state ''`, usually an unset shell variable) is an error, not
 * "use the default": silently writing the default state file is how two jobs end up sharing one.
 * (An empty environment variable still counts as unset, as shells and cron treat it.)
 */
function assertNoEmptyFlags(flags: object): void {
  for (const [key, value] of Object.entries(flags)) {
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v === "string" && v.trim() === "")) {
      const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      throw new UsageError(
        `${flag}: the value is empty (an unset shell variable?); give a value or leave the flag out`,
      );
    }
  }
}
