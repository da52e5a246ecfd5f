/**
 * Accessible SVG charts, rendered on the server (no chart library): each is an image with a title
 * and a description for screen readers, and its numbers in a table under a disclosure.
 */
import { Table } from "@/components/Table.tsx";
import { formatPoints } from "@/lib/format.ts";
import type { Locale } from "@/lib/i18n/index.ts";

export interface Series {
  label: string;
  className: "bar-a" | "bar-b";
  color: string;
  values: bigint[];
}

const W = 640;
const H = 220;
const PAD = { l: 56, r: 8, t: 10, b: 28 };

function niceMax(max: bigint): bigint {
  if (max <= 0n) return 1n;
  const digits = max.toString().length;
  const unit = 10n ** BigInt(Math.max(0, digits - 1));
  return ((max + unit - 1n) / unit) * unit;
}

/** y in SVG units for `v` on a 0..max axis, computed in integers (no float on amounts). */
const y = (v: bigint, max: bigint) => PAD.t + (H - PAD.t - PAD.b) - Number(((v < 0n ? 0n : v) * 10_000n) / max) * (H - PAD.t - PAD.b) / 10_000;

function Axis({ max, locale }: { max: bigint; locale: Locale }) {
  const ticks = [0n, max / 2n, max];
  return (
    <g aria-hidden="true">
      {ticks.map((tick) => (
        <g key={tick.toString()}>
          <line x1={PAD.l} x2={W - PAD.r} y1={y(tick, max)} y2={y(tick, max)} stroke="#d5d9de" />
          <text x={PAD.l - 6} y={y(tick, max) + 4} textAnchor="end">
            {formatPoints(tick, locale)}
          </text>
        </g>
      ))}
    </g>
  );
}

function DataTable({ caption, labels, series, locale, summary }: { caption: string; labels: string[]; series: { label: string; values: (bigint | string)[] }[]; locale: Locale; summary: string }) {
  return (
    <details>
      <summary>{summary}</summary>
      <Table caption={caption} columns={[{ label: "—" }, ...series.map((s) => ({ label: s.label, numeric: true }))]}>
        {labels.map((l, i) => (
          <tr key={l}>
            <th scope="row">{l}</th>
            {series.map((s) => (
              <td key={s.label} className="num">
                {typeof s.values[i] === "bigint" ? formatPoints(s.values[i] as bigint, locale) : s.values[i]}
              </td>
            ))}
          </tr>
        ))}
      </Table>
    </details>
  );
}

export function BarChart({ id, title, description, labels, series, locale, tableLabel, tickEvery = 1 }: { id: string; title: string; description: string; labels: string[]; series: Series[]; locale: Locale; tableLabel: string; tickEvery?: number }) {
  const max = niceMax(series.flatMap((s) => s.values).reduce((a, b) => (b > a ? b : a), 0n));
  const n = labels.length;
  const slot = (W - PAD.l - PAD.r) / Math.max(n, 1);
  const barW = Math.max(1, (slot * 0.8) / series.length);
  return (
    <figure>
      <figcaption id={`${id}-title`}>
        <strong>{title}</strong>
      </figcaption>
      {series.length > 1 && (
        <ul className="legend" aria-hidden="true">
          {series.map((s) => (
            <li key={s.label}>
              <span className="swatch" style={{ background: s.color }} />
              {s.label}
            </li>
          ))}
        </ul>
      )}
      <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${id}-title ${id}-desc`}>
        <desc id={`${id}-desc`}>{description}</desc>
        <Axis max={max} locale={locale} />
        {series.map((s, si) =>
          s.values.map((v, i) => {
            const top = y(v, max);
            return <rect key={`${si}-${i}`} className={s.className} x={PAD.l + i * slot + slot * 0.1 + si * barW} y={top} width={barW} height={Math.max(0, H - PAD.b - top)} />;
          }),
        )}
        {labels.map((l, i) =>
          i % tickEvery === 0 ? (
            <text key={l} x={PAD.l + i * slot + slot / 2} y={H - 8} textAnchor="middle" aria-hidden="true">
              {l}
            </text>
          ) : null,
        )}
      </svg>
      <DataTable caption={title} labels={labels} series={series} locale={locale} summary={tableLabel} />
    </figure>
  );
}

export function LineChart({ id, title, description, labels, values, locale, tableLabel, seriesLabel, tickEvery = 1 }: { id: string; title: string; description: string; labels: string[]; values: bigint[]; locale: Locale; tableLabel: string; seriesLabel: string; tickEvery?: number }) {
  const max = niceMax(values.reduce((a, b) => (b > a ? b : a), 0n));
  const n = labels.length;
  const step = (W - PAD.l - PAD.r) / Math.max(n - 1, 1);
  const d = values.map((v, i) => `${i === 0 ? "M" : "L"}${(PAD.l + i * step).toFixed(1)},${y(v, max).toFixed(1)}`).join(" ");
  return (
    <figure>
      <figcaption id={`${id}-title`}>
        <strong>{title}</strong>
      </figcaption>
      <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${id}-title ${id}-desc`}>
        <desc id={`${id}-desc`}>{description}</desc>
        <Axis max={max} locale={locale} />
        <path className="line" d={d} />
        {labels.map((l, i) =>
          i % tickEvery === 0 ? (
            <text key={l} x={PAD.l + i * step} y={H - 8} textAnchor="middle" aria-hidden="true">
              {l}
            </text>
          ) : null,
        )}
      </svg>
      <DataTable caption={title} labels={labels} series={[{ label: seriesLabel, values }]} locale={locale} summary={tableLabel} />
    </figure>
  );
}
