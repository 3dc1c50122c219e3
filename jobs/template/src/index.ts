/** The Sluice job template: a keyed, stateful pipeline with its generator. Fork this package. */
export { spendAlerts, type Payment, type SpendAlert, type SpendAlertsConfig } from './spend-alerts.ts';
export { paymentSource } from './payment-generator.ts';
