// One secret (a license key, a password, a token) from the places a setting can hold it, in order:
// a file flag, the environment variable that holds it, then the config file's `…File` path or
// `…Env` variable name (the config file never holds the secret itself). Each answer says where it
// came from, so a refusal names the setting to fix.
import { UsageError } from "../errors.js";
import { assertVariableName } from "./files.js";
import { fromFile, type Inputs } from "./inputs.js";
import { checkSecret, type Raw, readSecretFile } from "./values.js";

export interface SecretSources {
  /** A file flag, e.g. `--newrelic-license-key-file`. */
  file?: Raw<string | undefined>;
  /** The environment variable holding the secret, e.g. `NEW_RELIC_LICENSE_KEY`. */
  env: { name: string; value: string | undefined };
  /** Config file keys: a path (`newrelic.licenseKeyFile`) and a variable name (`newrelic.licenseKeyEnv`). */
  configFile?: { key: string; value: string | undefined };
  configEnv?: { key: string; value: string | undefined };
}

export interface ResolvedSecret {
  value: string;
  /** The setting it came from, for messages. */
  from: string;
}

export function resolveSecret(inputs: Inputs, sources: SecretSources): ResolvedSecret | undefined {
  const { file, env, configFile, configEnv } = sources;
  if (file?.value) return { value: readSecretFile({ value: file.value, from: file.from }), from: file.from };
  if (env.value) return { value: checkSecret(env.value, env.name), from: env.name };
  if (configFile?.value) {
    const from = fromFile(inputs, configFile.key, "").from;
    return { value: readSecretFile({ value: configFile.value, from }), from };
  }
  if (configEnv?.value) {
    const from = fromFile(inputs, configEnv.key, "").from;
    assertVariableName(configEnv.value, from);
    const value = inputs.rawEnv[configEnv.value];
    if (!value)
      throw new UsageError(`${from}: environment variable ${configEnv.value} is not set; export it with the secret`);
    return { value: checkSecret(value, configEnv.value), from: `${configEnv.value} (${from})` };
  }
  return undefined;
}
