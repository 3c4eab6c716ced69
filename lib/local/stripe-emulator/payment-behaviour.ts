// A customer's payment behaviour in the emulator (see payment-collection.ts).
import { z } from 'zod';

export const PaymentBehaviourSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('on-time') }),
  z.strictObject({ kind: z.literal('late'), days: z.int().min(1).max(3660) }),
  z.strictObject({ kind: z.literal('fails') }),
  z.strictObject({ kind: z.literal('never') }),
]);
export type PaymentBehaviour = z.infer<typeof PaymentBehaviourSchema>;

export const ON_TIME: PaymentBehaviour = { kind: 'on-time' };

/** "on-time", "late:10" (days), "fails", "never": the behaviour as the CLI and control route write it; anything else is a RangeError. */
export function parsePaymentBehaviour(text: string): PaymentBehaviour {
  const [kind, days, ...rest] = text.trim().split(':');
  const candidate = kind === 'late' && rest.length === 0 && days !== undefined && /^\d+$/.test(days) ? { kind, days: Number(days) } : rest.length === 0 && days === undefined ? { kind } : undefined;
  const parsed = PaymentBehaviourSchema.safeParse(candidate);
  if (!parsed.success) {
    // A RangeError: the emulator answers it as a Stripe-shaped 400, like its other refusals of a value.
    throw new RangeError(`"${text}" is not a payment behaviour: expected on-time, late:<days> (1 to 3660), fails or never`);
  }
  return parsed.data;
}

export function formatPaymentBehaviour(behaviour: PaymentBehaviour): string {
  return behaviour.kind === 'late' ? `late:${behaviour.days}` : behaviour.kind;
}

