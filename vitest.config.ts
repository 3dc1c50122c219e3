import { defineConfig } from 'vitest/config';

/**
 * One vitest run for the whole workspace: a single global setup starts the shared
 * real services (one Kafka broker, one S3 endpoint per run); each package is a project.
 * `@sluice/source` makes workspace packages resolve to their TypeScript sources.
 */
// No 'module' condition: it makes some SDKs (@aws-sdk) resolve to extensionless ESM builds Node cannot load.
const conditions = ['@sluice/source', 'node', 'development|production'];
const sourceCondition = { resolve: { conditions }, ssr: { resolve: { conditions } } };

export default defineConfig({
  test: {
    globalSetup: ['./testing/src/vitest-global-setup.ts'],
    projects: [
      { ...sourceCondition, test: { name: 'workspace', root: '.', include: ['tools/**/*.test.ts'] } },
      { ...sourceCondition, test: { name: 'core', root: './core', include: ['src/**/*.test.ts'] } },
      { ...sourceCondition, test: { name: 'testing', root: './testing', include: ['src/**/*.test.ts'] } },
      { ...sourceCondition, test: { name: 'job-template', root: './jobs/template', include: ['src/**/*.test.ts'] } },
      {
        ...sourceCondition,
        test: { name: 'fraud-detection-job', root: './jobs/fraud-detection', include: ['src/**/*.test.ts'] },
      },
      {
        ...sourceCondition,
        test: { name: 'job-service', root: './services/job-service', include: ['src/**/*.test.ts'] },
      },
      {
        ...sourceCondition,
        test: { name: 'fraud-detection-service', root: './services/fraud-detection', include: ['src/**/*.test.ts'] },
      },
      { ...sourceCondition, test: { name: 'bench', root: './bench', include: ['src/**/*.test.ts'] } },
    ],
    testTimeout: 60_000,
    hookTimeout: 240_000,
  },
});
