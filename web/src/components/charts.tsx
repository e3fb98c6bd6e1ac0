/**
 * Small SVG charts, enough for the market page: bars (one value per label) and lines (one
 * or more series over the same x labels). No chart library: the data is a few dozen points.
 */
const WIDTH = 360;
const HEIGHT = 160;
const PAD = 24;

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
  const step = bars.length === 0 ? 0 : (WIDTH - PAD * 2) / bars.length;
  return (
    <figure className="panel" aria-label={title}>
      <figcaption>
        <b>{title}</b> <span className="muted">max {format(max)}</span>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" role="img" aria-label={title}>
        <line x1={PAD} y1={HEIGHT - PAD} x2={WIDTH - PAD} y2={HEIGHT - PAD} stroke="#999" />
        {bars.map((bar, i) => {
          const h = ((HEIGHT - PAD * 2) * bar.value) / max;
          return (
            <g key={bar.label}>
              <rect
                x={PAD + i * step + 2}
                y={HEIGHT - PAD - h}
                width={Math.max(1, step - 4)}
                height={h}
                fill="#2f6f5e"
              >
                <title>{`${bar.label}: ${format(bar.value)}`}</title>
              </rect>
              {bars.length <= 12 && (
                <text x={PAD + i * step + step / 2} y={HEIGHT - 8} fontSize="9" textAnchor="middle">
                  {bar.label}
                </text>
              )}
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
  const x = (i: number) => PAD + (labels.length <= 1 ? 0 : (i * (WIDTH - PAD * 2)) / (labels.length - 1));
  const y = (v: number) => HEIGHT - PAD - ((HEIGHT - PAD * 2) * v) / max;
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
        <line x1={PAD} y1={HEIGHT - PAD} x2={WIDTH - PAD} y2={HEIGHT - PAD} stroke="#999" />
        <text x={4} y={PAD} fontSize="9">
          {max}
        </text>
        {series.map((s, i) => (
          <polyline
            key={s.name}
            fill="none"
            stroke={COLORS[i % COLORS.length]}
            strokeWidth="2"
            points={s.values.map((v, j) => `${x(j)},${y(v)}`).join(" ")}
          />
        ))}
        {labels.length > 0 && (
          <>
            <text x={PAD} y={HEIGHT - 8} fontSize="9">
              {labels[0]}
            </text>
            <text x={WIDTH - PAD} y={HEIGHT - 8} fontSize="9" textAnchor="end">
              {labels[labels.length - 1]}
            </text>
          </>
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
