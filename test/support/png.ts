import { PNG } from 'pngjs';

export interface PngFacts {
  width: number;
  height: number;
  /** Pixels that are not the white background. */
  drawn: number;
  /** Pixels within a small distance of a colour (e.g. a series' colour, '#0072B2'). */
  near(hex: string, tolerance?: number): number;
}

/** Decodes a PNG (throws when the bytes are no PNG) and counts what was drawn on it. */
export function pngFacts(bytes: Buffer): PngFacts {
  const png = PNG.sync.read(bytes);
  const { width, height, data } = png;
  const pixels = (test: (r: number, g: number, b: number, a: number) => boolean) => {
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (test(data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!)) n++;
    return n;
  };
  return {
    width,
    height,
    drawn: pixels((r, g, b, a) => a > 0 && (r < 250 || g < 250 || b < 250)),
    near(hex, tolerance = 12) {
      const [R, G, B] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
      return pixels((r, g, b, a) => a > 200 && Math.abs(r - R) <= tolerance && Math.abs(g - G) <= tolerance && Math.abs(b - B) <= tolerance);
    },
  };
}

/** Every pixel is opaque white (the chart's background): used to show a blank image fails the checks. */
export function isBlank(bytes: Buffer): boolean {
  const f = pngFacts(bytes);
  return f.drawn === 0;
}
