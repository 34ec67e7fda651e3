// Four projects: `unit` needs nothing but `npm ci`; `tools` (files named *.tools.test.ts) runs the real
// gitleaks, Trivy, linters, registry and skopeo that scripts/setup.sh installs, and terraform; `render` draws the
// bot's comments in the headless Chromium scripts/setup.sh installs; `integration` needs the services
// scripts/test.sh starts (PostgreSQL + MLflow, the loopback Kubernetes API) and reads their addresses from the
// environment.
import { createDefaultEsmPreset } from 'ts-jest';

// tsconfig's isolatedModules makes ts-jest transpile only: `npm run typecheck` (tsc) type-checks once instead.
const preset = createDefaultEsmPreset({ tsconfig: 'tsconfig.json' });
const common = {
  ...preset,
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
};

export default {
  // A fresh worker for every test file. nock's interceptors patch node:http, which all files in a worker share, and
  // nock.restore() does not take every layer off: a reused worker passed each request through the interceptors
  // of every file it had run before (each cloning the request), grew past 3 GB and stalled in garbage collection
  // for the whole CI time limit; earlier, an older file's interceptor refused a later file's requests. Any limit
  // below a file's heap recycles the worker after each file; a restart costs about a second.
  maxWorkers: 2,
  workerIdleMemoryLimit: '1MB',
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/actions/*/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.tools\\.test\\.ts$'],
    },
    {
      ...common,
      displayName: 'tools',
      testMatch: ['<rootDir>/test/unit/**/*.tools.test.ts', '<rootDir>/actions/*/test/**/*.tools.test.ts'],
    },
    { ...common, displayName: 'render', testMatch: ['<rootDir>/test/render/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
  ],
};
