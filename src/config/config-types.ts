// The validated shape of `.github/trainbot.yml`, inferred from the schema in config-schema.ts; code downstream
// only ever sees these types, with every default filled in.
import type * as z from 'zod/mini';
import type { configSchema } from './config-schema.js';

export type TrainbotConfig = z.output<typeof configSchema>;
export type ParamConfig = TrainbotConfig['params'][string];
export type MetricConfig = TrainbotConfig['metrics'][string];
export type ParamType = ParamConfig['type'];
export type Permission = TrainbotConfig['permission'];
export type Goal = MetricConfig['goal'];
export type Conclusion = TrainbotConfig['conclusions']['better'];
