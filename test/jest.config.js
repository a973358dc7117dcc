import { jestConfig } from '../jest.preset.js';

export default jestConfig({
  testMatch: ['<rootDir>/e2e/**/*.test.ts', '<rootDir>/checks/**/*.test.ts'],
  testTimeout: 180_000,
});
