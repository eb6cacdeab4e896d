/**
 * Draws a ChartSpec as a PNG with Chart.js on a Skia canvas (@napi-rs/canvas, a prebuilt binary from the
 * npm registry: no browser, no native build). Imported only by chart.renderer.ts, lazily: Skia and Chart.js
 * cost tens of MB of resident memory that a bot which never draws a chart should not carry.
 */
import { createCanvas } from '@napi-rs/canvas';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Title,
  type ChartConfiguration,
  type ChartItem,
  type Plugin,
} from 'chart.js';
import type { ChartSpec } from '../../core/messages/reply.js';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Title, Legend);

export const BACKGROUND = '#ffffff';
/** Colours that stay apart for colour-blind readers (Okabe–Ito), first the most common single series. */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#000000'];

/** Fills the canvas before Chart.js draws (a PNG is transparent otherwise, and dark chat themes hide the axes). */
const background: Plugin = {
  id: 'deckhandBackground',
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = BACKGROUND;
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

export interface DrawOptions {
  width: number;
  height: number;
}

export function drawChart(spec: ChartSpec, { width, height }: DrawOptions): Buffer {
  const canvas = createCanvas(width, height);
  const whole = spec.series.every((s) => s.values.every((v) => v === null || Number.isInteger(v)));
  const config: ChartConfiguration<'bar' | 'line', (number | null)[], string> = {
    type: spec.kind,
    data: {
      labels: spec.labels,
      datasets: spec.series.map((s, i) => {
        const colour = PALETTE[i % PALETTE.length]!;
        return { label: s.name, data: s.values, backgroundColor: colour, borderColor: colour, borderWidth: spec.kind === 'line' ? 3 : 0, pointRadius: 3 };
      }),
    },
    options: {
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      font: { size: 16 },
      plugins: {
        title: { display: true, text: spec.title, font: { size: 22, weight: 'bold' }, color: '#111111' },
        legend: { display: spec.series.length > 1, labels: { color: '#222222', font: { size: 16 } } },
      },
      scales: {
        x: { ticks: { color: '#333333', font: { size: 15 } }, grid: { display: false } },
        y: {
          beginAtZero: true,
          ticks: { color: '#333333', font: { size: 15 }, ...(whole ? { precision: 0 } : {}) },
          grid: { color: '#e5e5e5' },
          ...(spec.unit ? { title: { display: true, text: spec.unit, color: '#333333', font: { size: 16 } } } : {}),
        },
      },
    },
    plugins: [background],
  };
  // Chart.js draws on any 2D context; Skia's is the canvas API it expects.
  const chart = new Chart(canvas.getContext('2d') as unknown as ChartItem, config);
  try {
    return canvas.toBuffer('image/png');
  } finally {
    chart.destroy();
  }
}
