export { memoryLogger } from './memory-logger.js';
export { uniqueName } from './names.js';
export { createScratchDatabase, recreateDatabase } from './scratch-database.js';
export { ServiceProcess } from './service-process.js';
export { waitFor } from './wait-for.js';
export { parsePrometheusText, sampleValue, scrape } from './prometheus.js';
export type { Sample } from './prometheus.js';
export { freePort } from './ports.js';
export { writeBenchResult } from './bench-result.js';
export { processCpu, threadCpu } from './proc-cpu.js';
export {
  chooseTestStack,
  containerSpecs,
  containerStackEnv,
  containerStackOptions,
  TestStackError,
} from './container-stack.js';
export type { ContainerSpec, ContainerStackOptions, TestStackKind } from './container-stack.js';
