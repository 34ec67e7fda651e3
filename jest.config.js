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
  // Workers are recycled past 1 GB: Probot, client-node and the action bundles are heavy to load per file.
  maxWorkers: 2,
  workerIdleMemoryLimit: '1GB',
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
