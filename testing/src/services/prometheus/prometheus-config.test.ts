import { describe, expect, it } from 'vitest';
import { prometheusConfig } from './prometheus-config.ts';

describe('prometheusConfig', () => {
  it('scrapes the targets at the interval, with the timeout capped at 10 s', () => {
    expect(
      prometheusConfig({ jobName: 'sluice', targets: ['127.0.0.1:8080', '127.0.0.1:8081'], scrapeIntervalMs: 500 }),
    ).toBe(
      [
        'global:',
        '  scrape_interval: 500ms',
        '  scrape_timeout: 500ms',
        '  evaluation_interval: 500ms',
        'scrape_configs:',
        '  - job_name: "sluice"',
        '    metrics_path: "/metrics"',
        '    static_configs:',
        '      - targets: ["127.0.0.1:8080", "127.0.0.1:8081"]',
        '',
      ].join('\n'),
    );
    expect(prometheusConfig({ jobName: 'j', targets: ['h:1'], scrapeIntervalMs: 60_000 })).toContain(
      'scrape_timeout: 10000ms',
    );
  });
});
