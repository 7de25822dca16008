// The package's version, for User-Agent headers. package.json is one level above both src/ and dist/.
import { createRequire } from "node:module";

export const VERSION: string = (createRequire(import.meta.url)("../package.json") as { version: string }).version;
