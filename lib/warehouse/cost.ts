import type { PlatformConfig } from '../config';
import { priceTableFor } from './ra3-pricing';
import { nodeHoursPerDay } from './resize-schedule';

export interface WarehouseCost {
  readonly config: string;
  readonly nodeType: string;
  readonly region: string;
  readonly priceRegion: string;
  readonly priceIsStandIn: boolean;
  readonly usdPerNodeHour: number;
  readonly baseNodes: number;
  readonly peakNodes: number;
  readonly scheduledNodeHoursPerDay: number;
  readonly peakNodeHoursPerDay: number;
  readonly scheduledUsdPerDay: number;
  readonly peakUsdPerDay: number;
  readonly savedUsdPer30Days: number;
}

/** Node-hours and on-demand compute cost per day with the resize schedule versus always at the peak node count. */
export function warehouseCost(config: PlatformConfig): WarehouseCost {
  const w = config.warehouse;
  const price = priceTableFor(config.env.region);
  const usd = price.usdPerNodeHour[w.nodeType];
  const peakNodes = Math.max(w.numberOfNodes, ...w.resizeSchedules.map((s) => s.nodes));
  const scheduled = nodeHoursPerDay(w.resizeSchedules, w.numberOfNodes);
  const peak = peakNodes * 24;
  return {
    config: config.name,
    nodeType: w.nodeType,
    region: config.env.region,
    priceRegion: price.region,
    priceIsStandIn: price.standIn,
    usdPerNodeHour: usd,
    baseNodes: w.numberOfNodes,
    peakNodes,
    scheduledNodeHoursPerDay: scheduled,
    peakNodeHoursPerDay: peak,
    scheduledUsdPerDay: scheduled * usd,
    peakUsdPerDay: peak * usd,
    savedUsdPer30Days: (peak - scheduled) * usd * 30,
  };
}

/** The UTC instant (ISO) of a local wall-clock time on `date` (YYYY-MM-DD) in `timeZone`, computed with Intl. */
export function localToUtc(localTime: string, timeZone: string, date: string): string {
  const [h, m] = localTime.split(':').map(Number) as [number, number];
  const fmt = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  const base = Date.parse(`${date}T00:00:00Z`);
  for (let t = base - 86_400_000; t < base + 2 * 86_400_000; t += 15 * 60_000) {
    const p = Object.fromEntries(fmt.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
    if (`${p['year']}-${p['month']}-${p['day']}` === date && Number(p['hour']) === h && Number(p['minute']) === m) {
      return new Date(t).toISOString();
    }
  }
  throw new Error(`${localTime} does not exist on ${date} in ${timeZone}`);
}
