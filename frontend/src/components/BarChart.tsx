/** A horizontal bar chart in plain HTML/CSS (accessible as a list; no chart library needed for bars). */
export interface Bar {
  key: string;
  label: string;
  value: number;
  text: string;
}

export function BarChart({ bars, label: chartLabel }: { bars: Bar[]; label: string }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  return (
    <ul className="bar-chart" aria-label={chartLabel}>
      {bars.map((b) => (
        <li key={b.key} className="bar-row">
          <span className="bar-label">{b.label}</span>
          <span className="bar-track"><span className="bar-fill" style={{ width: `${(b.value / max) * 100}%` }} /></span>
          <span className="bar-value">{b.text}</span>
        </li>
      ))}
    </ul>
  );
}
