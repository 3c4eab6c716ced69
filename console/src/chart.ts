// Chart.js with only what the console draws registered, so the bundle
// carries no unused chart types.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);

export { Chart };
/** Chart.js plots numbers; the exact decimal stays in the table beside every chart. */
export const plotted = (decimal: string | undefined): number => (decimal === undefined ? 0 : Number.parseFloat(decimal));
