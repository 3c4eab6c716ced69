// Stripe's API does not always count a currency's amounts in ISO 4217 minor
// units. Two active currencies differ:
// - ISK: ISO 4217 has no minor unit (0 decimals), but Stripe's API keeps ISK
//   two-decimal for backwards compatibility: 100 means 1 króna, and amounts
//   must be multiples of 100. Sending ISO minor units would bill a hundredth.
// - MGA: ISO 4217 has 2 decimals, Stripe's API treats MGA as zero-decimal
//   (whole ariary), so an amount with a fraction of an ariary cannot be billed.
// Every other currency is sent as is (JPY 0, USD 2, KWD 3). The engine keeps
// ISO minor units everywhere; only the Stripe adapter and the reading of
// Stripe's events convert, exactly, with bigint.
import { isCurrencyCode, minorUnitExponent, UnknownCurrencyError } from './currencies';
import { EngineError } from '../errors/engine-error';

const STRIPE_API_EXPONENT_OVERRIDES: Readonly<Record<string, number>> = { ISK: 2, MGA: 0 };

/** The currency's ISO 4217 exponent and its exponent in Stripe's API. */
function exponentsOf(currency: string): { code: string; iso: number; stripe: number } {
  const code = currency.toUpperCase();
  if (!isCurrencyCode(code)) throw new UnknownCurrencyError(currency);
  const iso = minorUnitExponent(code);
  return { code, iso, stripe: STRIPE_API_EXPONENT_OVERRIDES[code] ?? iso };
}

/** Decimal places of the currency's amounts in Stripe's API (ISK 2, MGA 0, otherwise ISO 4217's). */
export function stripeApiExponent(currency: string): number {
  return exponentsOf(currency).stripe;
}

/** An amount that Stripe's API cannot carry exactly in this currency. */
export class StripeAmountNotRepresentableError extends EngineError {
  readonly category = 'invalid_input';
  readonly code = 'stripe_amount_not_representable';
  constructor(
    readonly amount: bigint,
    readonly currency: string,
    message: string,
  ) {
    super(message);
    this.name = 'StripeAmountNotRepresentableError';
  }
}

function scale(exponentDifference: number): bigint {
  return 10n ** BigInt(Math.abs(exponentDifference));
}

/** ISO minor units → the amount Stripe's API expects (ISK × 100; MGA ÷ 100, refused unless whole ariary). */
export function toStripeApiAmount(isoMinor: bigint, currency: string): bigint {
  const { code, iso, stripe } = exponentsOf(currency);
  const difference = stripe - iso;
  if (difference >= 0) return isoMinor * scale(difference);
  const factor = scale(difference);
  if (isoMinor % factor !== 0n) {
    throw new StripeAmountNotRepresentableError(
      isoMinor,
      code,
      `${code} ${isoMinor} minor units has a fraction Stripe cannot bill: Stripe counts ${code} in whole units (multiples of ${factor} minor units)`,
    );
  }
  return isoMinor / factor;
}

/** An amount from Stripe's API → ISO minor units (ISK ÷ 100, refused unless whole krónur; MGA × 100). */
export function fromStripeApiAmount(stripeAmount: bigint, currency: string): bigint {
  const { code, iso, stripe } = exponentsOf(currency);
  const difference = stripe - iso;
  if (difference <= 0) return stripeAmount * scale(difference);
  const factor = scale(difference);
  // Stripe refuses fractional ISK since 2023; an amount that is not whole
  // krónur is not something the engine can state exactly, so it is not guessed.
  if (stripeAmount % factor !== 0n) {
    throw new StripeAmountNotRepresentableError(
      stripeAmount,
      code,
      `Stripe's ${code} amount ${stripeAmount} is not a whole number of ${code} minor units (Stripe counts ${code} in hundredths)`,
    );
  }
  return stripeAmount / factor;
}
