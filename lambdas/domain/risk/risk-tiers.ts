import { z } from 'zod';

/** Ordered from least to most risk. */
export const RISK_TIERS = ['healthy', 'watch', 'at_risk', 'critical'] as const;
export const RiskTierSchema = z.enum(RISK_TIERS, { error: 'expected healthy, watch, at_risk or critical' });
export type RiskTier = z.infer<typeof RiskTierSchema>;

export function tierRank(tier: RiskTier): number {
  return RISK_TIERS.indexOf(tier);
}

export function isTierAtLeast(tier: RiskTier, minimum: RiskTier): boolean {
  return tierRank(tier) >= tierRank(minimum);
}

export function worseTier(a: RiskTier, b: RiskTier): RiskTier {
  return tierRank(a) >= tierRank(b) ? a : b;
}

/** Tier of a 0..100 score given the lowest score of each tier. */
export function tierForScore(score: number, floors: { watch: number; at_risk: number; critical: number }): RiskTier {
  if (score >= floors.critical) return 'critical';
  if (score >= floors.at_risk) return 'at_risk';
  if (score >= floors.watch) return 'watch';
  return 'healthy';
}
