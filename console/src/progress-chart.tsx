// A contract's outcomes per billing period against its success target, with
// each renewal checkpoint's score marked (staff view). The chart is drawn on a
// canvas for sighted users; the same numbers are in the table after it.
import { useEffect, useRef } from 'preact/hooks';
import { Chart, plotted } from './chart';
import { monthLabel } from './format';
import type { ContractProgress } from './types';

const COLORS = ['#1f5fa8', '#8a4b08', '#2e6b30'];

export function ProgressChart({ progress, title }: { progress: ContractProgress; title: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const labels = progress.periods.map((period) => monthLabel(period.periodStart));
  const checkpoints = progress.checkpoints ?? [];

  useEffect(() => {
    if (!canvas.current || typeof canvas.current.getContext !== 'function' || !canvas.current.getContext('2d')) return undefined;
    const datasets: any[] = [];
    progress.targets.forEach((target, index) => {
      const color = COLORS[index % COLORS.length];
      datasets.push({
        type: 'bar',
        label: `${target.label} delivered`,
        data: progress.periods.map((period) => (period.outcomes ? plotted(period.outcomes[target.metric]) : null)),
        backgroundColor: color,
        yAxisID: 'y',
      });
      datasets.push({
        type: 'line',
        label: `${target.label} target`,
        data: progress.periods.map(() => plotted(target.targetPerPeriod)),
        borderColor: '#b00020',
        borderDash: [6, 4],
        pointRadius: 0,
        yAxisID: 'y',
      });
    });
    if (checkpoints.length > 0) {
      datasets.push({
        type: 'line',
        label: 'checkpoint risk score',
        data: progress.periods.map((period) => checkpoints.filter((mark) => mark.periodStart === period.periodStart).at(-1)?.score ?? null),
        showLine: false,
        pointRadius: 7,
        pointStyle: 'rectRot',
        borderColor: '#5b2a86',
        backgroundColor: '#5b2a86',
        yAxisID: 'score',
      });
    }
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: { labels, datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          y: { beginAtZero: true, title: { display: true, text: 'outcomes per period' } },
          ...(checkpoints.length > 0 ? { score: { position: 'right', min: 0, max: 100, title: { display: true, text: 'risk score' }, grid: { drawOnChartArea: false } } } : {}),
        },
      } as any,
    });
    return () => chart.destroy();
  }, [progress]);

  const summary = progress.targets
    .map((target) => `${target.label}: target ${target.targetPerPeriod} per period`)
    .join('; ');
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div class="chart-canvas">
        <canvas ref={canvas} role="img" aria-label={`${title}. ${summary}. The table below has every value.`} />
      </div>
      <details>
        <summary>Data table</summary>
        <table>
          <caption class="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">Period</th>
              {progress.targets.map((target) => (
                <th scope="col" key={target.metric}>
                  {target.label} (target {target.targetPerPeriod})
                </th>
              ))}
              {checkpoints.length > 0 && <th scope="col">Checkpoint</th>}
            </tr>
          </thead>
          <tbody>
            {progress.periods.map((period) => (
              <tr key={period.periodStart}>
                <th scope="row">
                  {period.periodStart} – {period.periodEnd}
                  {period.state === 'in_progress' ? ' (in progress)' : ''}
                </th>
                {progress.targets.map((target) => (
                  <td key={target.metric}>{period.outcomes ? (period.outcomes[target.metric] ?? '0') : 'not started'}</td>
                ))}
                {checkpoints.length > 0 && (
                  <td>
                    {checkpoints
                      .filter((mark) => mark.periodStart === period.periodStart)
                      .map((mark) => `${mark.checkpointDays}-day: ${mark.tier} (${mark.score})`)
                      .join(', ')}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
