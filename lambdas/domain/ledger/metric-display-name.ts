// What a person reads for a metric: "1 resolution", "0 resolutions", "3,060
// resolutions". The catalog may name a metric in singular and plural; without
// that, its unit is the noun (every catalog metric has one), and a metric the
// catalog does not know reads as "<code> outcome(s)".

/** A metric's noun in sentences: singular for exactly one, plural otherwise (zero included). */
export interface MetricDisplayName {
  readonly singular: string;
  readonly plural: string;
}

/**
 * English plural of a noun: "resolution" → "resolutions", "box" → "boxes",
 * "delivery" → "deliveries". Abbreviated units with capitals ("kWh", "GB") and
 * nouns already ending in "s" are left as they are.
 */
export function pluralNoun(noun: string): string {
  const words = noun.split(' ');
  const last = words[words.length - 1] ?? '';
  if (last === '' || last !== last.toLowerCase() || /s$/.test(last)) return noun;
  let plural: string;
  if (/(x|z|ch|sh)$/.test(last)) plural = `${last}es`;
  else if (/[^aeiou]y$/.test(last)) plural = `${last.slice(0, -1)}ies`;
  else plural = `${last}s`;
  return [...words.slice(0, -1), plural].join(' ');
}

/** The display name a catalog metric reads with: its own, else one made from its unit. */
export function metricDisplayName(metric: {
  readonly code: string;
  readonly unit?: string;
  readonly displayName?: MetricDisplayName;
}): MetricDisplayName {
  if (metric.displayName) return metric.displayName;
  if (metric.unit !== undefined && metric.unit !== '') return { singular: metric.unit, plural: pluralNoun(metric.unit) };
  return unknownMetricDisplayName(metric.code);
}

/** For a metric code the catalog does not (or no longer) lists. */
export function unknownMetricDisplayName(code: string): MetricDisplayName {
  return { singular: `${code} outcome`, plural: `${code} outcomes` };
}

/** Exactly one, as a decimal string ("1", "1.0", "+1"); 0.5 and 1.5 read as plural, as in English. */
function isExactlyOne(quantity: string): boolean {
  return /^\+?0*1(\.0*)?$/.test(quantity.trim().replace(/,/g, ''));
}

/** The noun for this many: singular for exactly one, plural for anything else (0, 2, 1.5). */
export function metricNoun(quantity: string, name: MetricDisplayName): string {
  return isExactlyOne(quantity) ? name.singular : name.plural;
}

/** "1 resolution", "0 resolutions", "3,060 resolutions": the quantity as given (already formatted) and its noun. */
export function countOf(quantity: string, name: MetricDisplayName): string {
  return `${quantity} ${metricNoun(quantity, name)}`;
}
