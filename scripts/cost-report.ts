/**
 * `npm run cost [-- <config>...]`: node-hours per day of the warehouse with its scheduled elastic resizes versus
 * always at the peak node count, and the on-demand price difference; printed as README-ready markdown.
 */
import { CONFIGS, loadConfig } from '../lib/config';
import { localToUtc, warehouseCost } from '../lib/warehouse/cost';

const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(CONFIGS);
const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const today = new Date().toISOString().slice(0, 10);

const utcLabel = (iso: string) =>
  `${iso.slice(11, 16)}${iso.slice(0, 10) < today ? ' (previous day)' : iso.slice(0, 10) > today ? ' (next day)' : ''}`;

const out: string[] = [];
out.push(
  '| Config | Node type | Nodes (base / peak) | Node-hours/day scheduled | Node-hours/day at peak | USD/day scheduled | USD/day at peak | Saved per 30 days |'
);
out.push('|---|---|---|---|---|---|---|---|');
const notes = new Set<string>();
for (const name of names) {
  const config = loadConfig(name);
  const c = warehouseCost(config);
  out.push(
    `| ${c.config} | ${c.nodeType} | ${c.baseNodes} / ${c.peakNodes} | ${c.scheduledNodeHoursPerDay} | ${c.peakNodeHoursPerDay} | ${usd(c.scheduledUsdPerDay)} | ${usd(c.peakUsdPerDay)} | ${usd(c.savedUsdPer30Days)} |`
  );
  if (c.priceIsStandIn) {
    notes.add(
      `Prices for ${c.region} are not in lib/warehouse/ra3-pricing.ts; ${c.priceRegion} on-demand list prices stand in (${c.usdPerNodeHour} USD per ${c.nodeType} node-hour).`
    );
  }
}
out.push('');
for (const name of names) {
  const config = loadConfig(name);
  if (!config.warehouse.resizeSchedules.length) continue;
  out.push(`Resize schedule of \`${name}\` (${config.timeZone}; UTC on ${today}):`, '');
  out.push('| Schedule | Local time | UTC | Nodes |', '|---|---|---|---|');
  for (const s of config.warehouse.resizeSchedules) {
    out.push(
      `| ${s.name} | ${s.localTime} | ${utcLabel(localToUtc(s.localTime, config.timeZone, today))} | ${s.nodes} |`
    );
  }
  out.push('');
}
for (const n of notes) out.push(`> ${n}`);
console.log(out.join('\n'));
