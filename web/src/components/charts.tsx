/**
 * Small SVG charts, enough for the market page: bars (one value per label) and lines (one
 * or more series over the same x labels). No chart library: the data is a few dozen points.
 */
const WIDTH = 360;
const HEIGHT = 160;
const PAD = 24;
const FONT_SIZE = 9;
/**
 * A generous average advance of the sans-serif fonts the page falls back to, per font-size
 * unit: label widths are estimated, never measured, so they err wide.
 */
const CHAR_WIDTH = 0.62;
/** Slanted labels run at this angle, up to the left from under their bar. */
const SLANT_DEGREES = 45;

export interface BarLabelLayout {
  /** Whether the labels are slanted because they do not fit side by side. */
  slanted: boolean;
  /** Every `every`-th label is drawn (1: all of them), so drawn labels never overlap. */
  every: number;
  /** Room kept under the axis for the labels, in SVG units. */
  bottom: number;
  /** Room kept left of the first bar, for a slanted first label. */
  left: number;
}

/** The estimated width of a label in SVG units. */
export function labelWidth(label: string, fontSize = FONT_SIZE): number {
  return label.length * fontSize * CHAR_WIDTH;
}

/**
 * How to draw the bar labels so none overlaps another: level when each fits under its bar,
 * otherwise slanted, and when even slanted labels are closer than a line apart, only every
 * n-th one (each bar keeps its full label in its tooltip).
 */
export function barLabelLayout(labels: readonly string[], plotWidth: number): BarLabelLayout {
  if (labels.length === 0) return { slanted: false, every: 1, bottom: PAD, left: PAD };
  const step = plotWidth / labels.length;
  const widest = Math.max(...labels.map((label) => labelWidth(label)));
  // Level labels need their width plus a small gap.
  if (widest + 4 <= step) return { slanted: false, every: 1, bottom: PAD, left: PAD };
  const angle = (SLANT_DEGREES * Math.PI) / 180;
  // Parallel slanted labels need a line's height between them, measured across the slant.
  const spacing = (FONT_SIZE * 1.3) / Math.sin(angle);
  const every = Math.max(1, Math.ceil(spacing / step));
  return {
    slanted: true,
    every,
    bottom: Math.ceil(widest * Math.sin(angle) + FONT_SIZE + 8),
    left: Math.max(PAD, Math.ceil(widest * Math.cos(angle) - step / 2 + 4)),
  };
}

export function BarChart({
  title,
  bars,
  format,
}: {
  title: string;
  bars: { label: string; value: number }[];
  format: (v: number) => string;
}) {
  const max = Math.max(1e-30, ...bars.map((b) => b.value));
  const labels = barLabelLayout(
    bars.map((b) => b.label),
    WIDTH - PAD * 2,
  );
  const left = labels.left;
  const right = WIDTH - PAD;
  const height = HEIGHT - PAD + labels.bottom;
  const axis = HEIGHT - PAD;
  const step = bars.length === 0 ? 0 : (right - left) / bars.length;
  return (
    <figure className="panel" aria-label={title}>
      <figcaption>
        <b>{title}</b> <span className="muted">max {format(max)}</span>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${height}`} width="100%" role="img" aria-label={title}>
        <line x1={left} y1={axis} x2={right} y2={axis} stroke="#999" />
        {bars.map((bar, i) => {
          const h = ((axis - PAD) * bar.value) / max;
          const center = left + i * step + step / 2;
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: two bars may share a label
            <g key={i}>
              <rect
                x={left + i * step + 2}
                y={axis - h}
                width={Math.max(1, step - 4)}
                height={h}
                fill="#2f6f5e"
              >
                <title>{`${bar.label}: ${format(bar.value)}`}</title>
              </rect>
              {i % labels.every === 0 &&
                (labels.slanted ? (
                  <text
                    x={center}
                    y={axis + FONT_SIZE + 2}
                    fontSize={FONT_SIZE}
                    textAnchor="end"
                    transform={`rotate(-${SLANT_DEGREES} ${center} ${axis + FONT_SIZE + 2})`}
                    data-label={bar.label}
                  >
                    {bar.label}
                  </text>
                ) : (
                  <text x={center} y={axis + FONT_SIZE + 7} fontSize={FONT_SIZE} textAnchor="middle">
                    {bar.label}
                  </text>
                ))}
            </g>
          );
        })}
        {bars.length === 0 && (
          <text x={WIDTH / 2} y={HEIGHT / 2} textAnchor="middle" fontSize="12" fill="#888">
            no data yet
          </text>
        )}
      </svg>
    </figure>
  );
}

const COLORS = ["#2f6f5e", "#b3261e", "#a15c00"];

export function LineChart({
  title,
  labels,
  series,
}: {
  title: string;
  labels: string[];
  series: { name: string; values: number[] }[];
}) {
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  // The y axis' top value sits left of the plot, so the plot starts after its width.
  const left = Math.max(PAD, Math.ceil(labelWidth(String(max)) + 8));
  const x = (i: number) => left + (labels.length <= 1 ? 0 : (i * (WIDTH - PAD - left)) / (labels.length - 1));
  const y = (v: number) => HEIGHT - PAD - ((HEIGHT - PAD * 2) * v) / max;
  const first = labels[0];
  const last = labels.length > 1 ? labels[labels.length - 1] : undefined;
  return (
    <figure className="panel" aria-label={title}>
      <figcaption>
        <b>{title}</b>{" "}
        {series.map((s, i) => (
          <span key={s.name} style={{ color: COLORS[i % COLORS.length] }}>
            ■ {s.name}{" "}
          </span>
        ))}
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" role="img" aria-label={title}>
        <line x1={left} y1={HEIGHT - PAD} x2={WIDTH - PAD} y2={HEIGHT - PAD} stroke="#999" />
        <text x={left - 4} y={PAD + 3} fontSize={FONT_SIZE} textAnchor="end">
          {max}
        </text>
        {series.map((s, i) => (
          <g key={s.name}>
            <polyline
              fill="none"
              stroke={COLORS[i % COLORS.length]}
              strokeWidth="2"
              points={s.values.map((v, j) => `${x(j)},${y(v)}`).join(" ")}
            />
            {/* Points too, so a single day still shows. */}
            {s.values.map((v, j) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: one point per x label
              <circle key={j} cx={x(j)} cy={y(v)} r="2.5" fill={COLORS[i % COLORS.length]}>
                <title>{`${labels[j] ?? ""} ${s.name}: ${v}`}</title>
              </circle>
            ))}
          </g>
        ))}
        {first !== undefined && (
          <text x={left} y={HEIGHT - 8} fontSize={FONT_SIZE}>
            {first}
          </text>
        )}
        {/* The last label only when it is another day and clear of the first. */}
        {last !== undefined && labelWidth(first ?? "") + labelWidth(last) + 8 < WIDTH - PAD - left && (
          <text x={WIDTH - PAD} y={HEIGHT - 8} fontSize={FONT_SIZE} textAnchor="end">
            {last}
          </text>
        )}
        {labels.length === 0 && (
          <text x={WIDTH / 2} y={HEIGHT / 2} textAnchor="middle" fontSize="12" fill="#888">
            no data yet
          </text>
        )}
      </svg>
    </figure>
  );
}
