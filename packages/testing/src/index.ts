export { memoryLogger } from './memory-logger.js';
export { uniqueName } from './names.js';
export { ServiceProcess } from './service-process.js';
