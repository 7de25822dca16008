// The environment variables we read; zod keeps exactly these and drops the rest of the environment.
import { z } from "zod";

export const envSchema = z.object({
  SEGMENT_TOKEN: z.string().optional(),
  SEGMENT_TOKEN_FILE: z.string().optional(),
  SEGMENT_API_URL: z.string().optional(),
  DD_API_KEY: z.string().optional(),
  DD_API_KEY_FILE: z.string().optional(),
  DD_APP_KEY: z.string().optional(),
  DD_APP_KEY_FILE: z.string().optional(),
  DD_SITE: z.string().optional(),
  DD_API_URL: z.string().optional(),
  SEGMENT_EXPORTER_CONFIG: z.string().optional(),
  SEGMENT_EXPORTER_STATE: z.string().optional(),
  SEGMENT_EXPORTER_SOURCES: z.string().optional(),
  SEGMENT_EXPORTER_METRIC_PREFIX: z.string().optional(),
  SEGMENT_EXPORTER_TAGS: z.string().optional(),
  SEGMENT_EXPORTER_LOG_LEVEL: z.string().optional(),
  SEGMENT_EXPORTER_BUCKET: z.string().optional(),
  SEGMENT_EXPORTER_DELAY: z.string().optional(),
  SEGMENT_EXPORTER_REREAD: z.string().optional(),
  SEGMENT_EXPORTER_CONCURRENCY: z.string().optional(),
  SEGMENT_EXPORTER_RATE_LIMITS: z.string().optional(),
  XDG_STATE_HOME: z.string().optional(),
});
export type Env = z.infer<typeof envSchema>;
