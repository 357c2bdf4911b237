/**
 * Charts as SVG text, and PNG files rendered from it by resvg (`@resvg/resvg-js`, whose binary
 * ships inside its npm package). Two kinds:
 *
 * - {@link seriesChart}: panels stacked over one numeric x axis, each with bands (drawn as
 *   steps over `[x, x + 1)`), lines, dashed reference lines, and dashed vertical markers across
 *   all panels (the simulator's swarm sizes per block);
 * - {@link barChart}: horizontal bars in groups, one bar per series, with the value written at
 *   its end and dashed reference lines such as a target (benchmark figures).
 *
 * The SVG is the chart: a PNG is only a rendering of it, for places that cannot show SVG.
 */
import { Resvg } from '@resvg/resvg-js';

const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';
const INK = '#282828';
const MUTED = '#787878';
const GRID = '#e4e4e4';

/**
 * Ticks for an axis from `low` to `high`: multiples of 1, 2 or 5 × 10^k, about `target` of them.
 */
export function niceTicks(low: number, high: number, target = 6): number[] {
  if (!Number.isFinite(low) || !Number.isFinite(high)) return [];
  if (high <= low) return [low];
  const rough = (high - low) / Math.max(1, target);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step =
    [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough) ??
    10 * power;
  const ticks: number[] = [];
  for (let value = Math.ceil(low / step) * step; value <= high + step * 1e-9; value += step) {
    ticks.push(Number(value.toFixed(10)));
  }
  return ticks;
}

/** `value` rounded up to the next tick of {@link niceTicks}. */
export function niceCeiling(value: number, target = 4): number {
  if (!(value > 0)) return 1;
  const ticks = niceTicks(0, value, target);
  const step = ticks.length > 1 ? (ticks[1] as number) - (ticks[0] as number) : value;
  return Math.ceil(value / step - 1e-9) * step;
}

/** `1,428` */
export function groupThousands(value: number): string {
  const [whole = '', fraction] = String(Math.round(value * 100) / 100).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function round(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function text(
  x: number,
  y: number,
  content: string,
  options: {
    size?: number;
    color?: string;
    anchor?: 'start' | 'middle' | 'end';
    bold?: boolean;
  } = {},
): string {
  const attributes = [
    `x="${round(x)}"`,
    `y="${round(y)}"`,
    `font-size="${options.size ?? 12}"`,
    `fill="${options.color ?? INK}"`,
  ];
  if (options.anchor !== undefined && options.anchor !== 'start') {
    attributes.push(`text-anchor="${options.anchor}"`);
  }
  if (options.bold === true) attributes.push('font-weight="bold"');
  return `<text ${attributes.join(' ')}>${escapeXml(content)}</text>`;
}

function line(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  color: string,
  options: { width?: number; dash?: string } = {},
): string {
  const dash = options.dash === undefined ? '' : ` stroke-dasharray="${options.dash}"`;
  return `<line x1="${round(x1)}" y1="${round(y1)}" x2="${round(x2)}" y2="${round(y2)}" stroke="${color}" stroke-width="${options.width ?? 1}"${dash}/>`;
}

function rect(x: number, y: number, width: number, height: number, color: string): string {
  return `<rect x="${round(x)}" y="${round(y)}" width="${round(width)}" height="${round(height)}" fill="${color}"/>`;
}

function svgDocument(
  title: string,
  width: number,
  height: number,
  body: readonly string[],
): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">`,
    `<title>${escapeXml(title)}</title>`,
    rect(0, 0, width, height, '#ffffff'),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function heading(title: string, subtitle: string | undefined): string[] {
  const out = [text(20, 28, title, { size: 17, bold: true })];
  if (subtitle !== undefined) out.push(text(20, 50, subtitle, { size: 12, color: MUTED }));
  return out;
}

/** A legend entry: a band (filled box) or a line. */
interface LegendEntry {
  name: string;
  color: string;
  kind: 'band' | 'line';
}

/** Legend entries right-aligned ending at `right`, on the baseline `y`. */
function legend(entries: readonly LegendEntry[], right: number, y: number): string[] {
  const out: string[] = [];
  // Width estimate: 7 px per character at 12 px, the swatch and the gaps.
  let x = right - entries.reduce((sum, entry) => sum + 26 + entry.name.length * 7 + 14, 0);
  for (const entry of entries) {
    out.push(
      entry.kind === 'band'
        ? rect(x, y - 10, 18, 11, entry.color)
        : line(x, y - 4, x + 18, y - 4, entry.color, { width: 2.5 }),
    );
    out.push(text(x + 24, y, entry.name));
    x += 26 + entry.name.length * 7 + 14;
  }
  return out;
}

/** A band of a {@link SeriesPanel}: one step per point, over `[x, x + 1)`. */
export interface SeriesBand {
  name: string;
  color: string;
  points: readonly { x: number; low: number; high: number }[];
}

/** A line of a {@link SeriesPanel}; a point with `y: null` breaks it. */
export interface SeriesLine {
  name: string;
  color: string;
  points: readonly { x: number; y: number | null }[];
}

/** One panel of a {@link seriesChart}. */
export interface SeriesPanel {
  /** What the y axis shows. */
  label: string;
  /** The y range (default 0 to a tick above the largest value). */
  low?: number | undefined;
  high?: number | undefined;
  /** Share of the height (default 1). */
  weight?: number | undefined;
  bands?: readonly SeriesBand[] | undefined;
  lines?: readonly SeriesLine[] | undefined;
  /** Dashed horizontal lines, labelled at the right. */
  rules?: readonly { y: number; label: string; color: string }[] | undefined;
}

/** What {@link seriesChart} draws. */
export interface SeriesChartSpec {
  title: string;
  subtitle?: string | undefined;
  /** Default 1000 × 640. */
  width?: number | undefined;
  height?: number | undefined;
  xLabel: string;
  panels: readonly SeriesPanel[];
  /** Dashed vertical lines across every panel, labelled at the top. */
  markers?: readonly { x: number; label: string }[] | undefined;
}

/** A chart of panels over one x axis, as SVG text. */
export function seriesChart(spec: SeriesChartSpec): string {
  const width = spec.width ?? 1000;
  const height = spec.height ?? 640;
  const body = heading(spec.title, spec.subtitle);
  const xs = spec.panels.flatMap((panel) => [
    ...(panel.bands ?? []).flatMap((band) =>
      band.points.flatMap((point) => [point.x, point.x + 1]),
    ),
    ...(panel.lines ?? []).flatMap((series) => series.points.map((point) => point.x)),
  ]);
  if (xs.length === 0 || spec.panels.length === 0)
    return svgDocument(spec.title, width, height, body);
  const first = Math.min(...xs);
  const last = Math.max(...xs);
  const left = 90;
  const plotWidth = width - left - 30;
  const xOf = (x: number) => left + ((x - first) / (last - first || 1)) * plotWidth;

  const top = spec.subtitle === undefined ? 80 : 96;
  const gap = 56;
  const bottom = height - 62;
  const totalWeight = spec.panels.reduce((sum, panel) => sum + (panel.weight ?? 1), 0);
  const available = bottom - top - gap * (spec.panels.length - 1);
  let panelTop = top;
  for (const panel of spec.panels) {
    const panelHeight = (available * (panel.weight ?? 1)) / totalWeight;
    const values = [
      ...(panel.bands ?? []).flatMap((band) => band.points.map((point) => point.high)),
      ...(panel.lines ?? []).flatMap((series) =>
        series.points.flatMap((point) => (point.y === null ? [] : [point.y])),
      ),
      ...(panel.rules ?? []).map((rule) => rule.y),
    ];
    const low = panel.low ?? 0;
    const high = panel.high ?? niceCeiling(Math.max(low + 1, ...values) * 1.05, 4);
    const yOf = (y: number) =>
      panelTop + panelHeight - ((y - low) / (high - low || 1)) * panelHeight;
    for (const tick of niceTicks(low, high, 5)) {
      const y = yOf(tick);
      body.push(line(left, y, left + plotWidth, y, GRID));
      body.push(text(left - 8, y + 4, groupThousands(tick), { anchor: 'end' }));
    }
    body.push(text(left, panelTop - 12, panel.label, { size: 13, bold: true }));
    const entries: LegendEntry[] = [
      ...(panel.bands ?? []).map((band) => ({
        name: band.name,
        color: band.color,
        kind: 'band' as const,
      })),
      ...(panel.lines ?? []).map((series) => ({
        name: series.name,
        color: series.color,
        kind: 'line' as const,
      })),
    ];
    body.push(...legend(entries, left + plotWidth, panelTop - 12));
    for (const band of panel.bands ?? []) {
      const upper: string[] = [];
      const lower: string[] = [];
      for (const point of band.points) {
        const [x0, x1] = [xOf(point.x), xOf(point.x + 1)];
        upper.push(
          `${round(x0)},${round(yOf(point.high))}`,
          `${round(x1)},${round(yOf(point.high))}`,
        );
        lower.unshift(
          `${round(x1)},${round(yOf(point.low))}`,
          `${round(x0)},${round(yOf(point.low))}`,
        );
      }
      body.push(`<polygon points="${[...upper, ...lower].join(' ')}" fill="${band.color}"/>`);
    }
    for (const series of panel.lines ?? []) {
      let run: string[] = [];
      const flush = () => {
        if (run.length > 1) {
          body.push(
            `<polyline points="${run.join(' ')}" fill="none" stroke="${series.color}" stroke-width="2" stroke-linejoin="round"/>`,
          );
        }
        run = [];
      };
      for (const point of series.points) {
        if (point.y === null) flush();
        else run.push(`${round(xOf(point.x))},${round(yOf(point.y))}`);
      }
      flush();
    }
    for (const rule of panel.rules ?? []) {
      const y = yOf(rule.y);
      body.push(line(left, y, left + plotWidth, y, rule.color, { width: 1.5, dash: '6 4' }));
      body.push(
        text(left + plotWidth - 4, y + 15, rule.label, { color: rule.color, anchor: 'end' }),
      );
    }
    body.push(line(left, panelTop, left, panelTop + panelHeight, INK));
    body.push(line(left, panelTop + panelHeight, left + plotWidth, panelTop + panelHeight, INK));
    panelTop += panelHeight + gap;
  }

  let labelRow = 0;
  let labelEnd = Number.NEGATIVE_INFINITY;
  for (const marker of spec.markers ?? []) {
    const x = xOf(marker.x);
    body.push(line(x, top, x, bottom, MUTED, { dash: '4 4' }));
    // Labels of markers close together go on successive rows.
    labelRow = x < labelEnd ? labelRow + 1 : 0;
    labelEnd = x + marker.label.length * 7 + 12;
    body.push(text(x + 4, top + 14 + labelRow * 16, marker.label, { color: MUTED }));
  }
  for (const tick of niceTicks(first, last, 8)) {
    const x = xOf(tick);
    body.push(line(x, bottom, x, bottom + 5, INK));
    body.push(text(x, bottom + 19, groupThousands(tick), { anchor: 'middle' }));
  }
  body.push(text(left + plotWidth / 2, bottom + 42, spec.xLabel, { size: 13, anchor: 'middle' }));
  return svgDocument(spec.title, width, height, body);
}

/** What {@link barChart} draws. */
export interface BarChartSpec {
  title: string;
  subtitle?: string | undefined;
  /** Default 1000; the height follows from the bars. */
  width?: number | undefined;
  /** What the value axis shows, with its unit. */
  valueLabel: string;
  /** The bars of each group, in `series` order; a missing value draws no bar. */
  series: readonly { name: string; color: string }[];
  groups: readonly { label: string; values: readonly (number | undefined)[] }[];
  /** Text at the end of a bar (default: the value with thousands separators). */
  format?: ((value: number) => string) | undefined;
  /** Dashed vertical lines, labelled at the bottom (a target, a budget). */
  rules?: readonly { value: number; label: string; color: string }[] | undefined;
  /** Left margin for the group labels (default 260). */
  labelWidth?: number | undefined;
}

/** Horizontal bars in groups, as SVG text. */
export function barChart(spec: BarChartSpec): string {
  const width = spec.width ?? 1000;
  const format = spec.format ?? groupThousands;
  const barHeight = 18;
  const groupGap = 16;
  const top = spec.subtitle === undefined ? 84 : 100;
  const groupHeight = spec.series.length * (barHeight + 4) + groupGap;
  const plotHeight = spec.groups.length * groupHeight;
  const height = top + plotHeight + 76;
  const left = spec.labelWidth ?? 260;
  const plotWidth = width - left - 90;
  const values = spec.groups.flatMap((group) =>
    group.values.flatMap((value) => (value === undefined ? [] : [value])),
  );
  const high = niceCeiling(
    Math.max(1, ...values, ...(spec.rules ?? []).map((rule) => rule.value)),
    5,
  );
  const xOf = (value: number) => left + (value / high) * plotWidth;
  const body = heading(spec.title, spec.subtitle);
  body.push(
    ...legend(
      spec.series.map((series) => ({
        name: series.name,
        color: series.color,
        kind: 'band' as const,
      })),
      left + plotWidth,
      top - 16,
    ),
  );
  for (const tick of niceTicks(0, high, 6)) {
    const x = xOf(tick);
    body.push(line(x, top, x, top + plotHeight, GRID));
    body.push(text(x, top + plotHeight + 18, format(tick), { anchor: 'middle' }));
  }
  spec.groups.forEach((group, groupIndex) => {
    const groupTop = top + groupIndex * groupHeight + groupGap / 2;
    const middle = groupTop + (spec.series.length * (barHeight + 4)) / 2;
    body.push(text(left - 10, middle + 4, group.label, { anchor: 'end' }));
    spec.series.forEach((series, index) => {
      const value = group.values[index];
      if (value === undefined) return;
      const y = groupTop + index * (barHeight + 4);
      body.push(rect(left, y, Math.max(1, xOf(value) - left), barHeight, series.color));
      body.push(text(xOf(value) + 5, y + barHeight - 5, format(value), { size: 11 }));
    });
  });
  for (const rule of spec.rules ?? []) {
    const x = xOf(rule.value);
    body.push(line(x, top - 6, x, top + plotHeight, rule.color, { width: 1.5, dash: '6 4' }));
    body.push(text(x, top + plotHeight + 33, rule.label, { color: rule.color, anchor: 'middle' }));
  }
  body.push(line(left, top, left, top + plotHeight, INK));
  body.push(line(left, top + plotHeight, left + plotWidth, top + plotHeight, INK));
  body.push(
    text(left + plotWidth / 2, top + plotHeight + 56, spec.valueLabel, {
      size: 13,
      anchor: 'middle',
    }),
  );
  return svgDocument(spec.title, width, height, body);
}

/**
 * A PNG of `svg`, rendered by resvg at the SVG's own size. Text uses the system's fonts (DejaVu
 * Sans where installed); without any, the PNG has no text and the SVG still has it.
 *
 * @throws `Error` (resvg's) for text that is not an SVG document.
 */
export function renderPng(svg: string): Uint8Array {
  const renderer = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return new Uint8Array(renderer.render().asPng());
}
