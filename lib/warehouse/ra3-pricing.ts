import type { RedshiftNodeType } from '../config';

/**
 * On-demand price per node-hour (USD) used by `npm run cost`.
 *
 * Source and date: AWS "Amazon Redshift pricing" page, On-Demand, RA3 (us-east-1 list prices
 * ra3.large 0.543, ra3.xlplus 1.086, ra3.4xlarge 3.26, ra3.16xlarge 13.04), as of 2026-11 (these list prices have
 * been unchanged since the RA3 launch). The ap-northeast-2 (Seoul) prices could NOT be verified offline when this was
 * written, so the table says so explicitly (`verified: false`) instead of inventing numbers; the report prints which
 * region's price it used. Refresh before relying on the dollar figure:
 *   aws pricing get-products --region us-east-1 --service-code AmazonRedshift \
 *     --filters Type=TERM_MATCH,Field=regionCode,Value=ap-northeast-2 Type=TERM_MATCH,Field=instanceType,Value=ra3.4xlarge
 * and add the region here with `verified: true`.
 */
export interface NodePriceTable {
  readonly region: string;
  readonly verified: boolean;
  readonly source: string;
  readonly usdPerNodeHour: Readonly<Record<RedshiftNodeType, number>>;
}

export const RA3_ON_DEMAND: readonly NodePriceTable[] = [
  {
    region: 'us-east-1',
    verified: true,
    source: 'AWS Amazon Redshift pricing page, On-Demand RA3, 2026-11',
    usdPerNodeHour: { 'ra3.large': 0.543, 'ra3.xlplus': 1.086, 'ra3.4xlarge': 3.26, 'ra3.16xlarge': 13.04 },
  },
];

/** The table for `region`, else the us-east-1 list prices (flagged so the report can say it is a stand-in). */
export function priceTableFor(region: string): NodePriceTable & { standIn: boolean } {
  const exact = RA3_ON_DEMAND.find((t) => t.region === region);
  if (exact) return { ...exact, standIn: false };
  return { ...RA3_ON_DEMAND[0]!, standIn: true };
}
