// A local Stripe for tests and the local engine, reached through the real
// `stripe` SDK: new Stripe(emulator.apiKey, { ...emulator.clientOptions }).
// See docs/stripe-emulator.md.
export { startStripeEmulator, type RunningStripeEmulator, type StripeEmulatorOptions } from './server';
export {
  FaultController,
  type DelayFault,
  type DropFault,
  type ErrorFault,
  type FaultMatch,
  type FaultPhase,
  type FaultStats,
  type FaultView,
} from './faults';
export type { ControlFaultRequest } from './control-routes';
export { CONTROL_PREFIX } from './control-routes';
export { DEFAULT_API_VERSION } from './emulator-core';
export { IDEMPOTENCY_KEY_TTL_MS } from './idempotency';
export type { WebhookDelivery, WebhookTamper, WebhookTarget } from './webhooks';
export type { EventObject } from './wire-types';
export { formatPaymentBehaviour, parsePaymentBehaviour, PaymentBehaviourSchema, type PaymentBehaviour } from './payment-behaviour';
export type { CollectionResult } from './payment-collection';
export { clientOptionsFromUrl, type EmulatorClientOptions } from './client-options';
