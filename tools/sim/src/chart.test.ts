import { describe, expect, it } from 'vitest';
import { niceCeiling, niceTicks, Raster, renderSwarmChart, type SwarmChartPoint } from './chart.js';
import { GLYPH_HEIGHT, glyph, textWidth } from './font.js';

const RED = [255, 0, 0] as const;
const WHITE = [255, 255, 255] as const;

describe('Raster', () => {
  it('starts with the background and fills clipped rectangles', () => {
    const raster = new Raster(10, 5);
    expect(raster.pixels.length).toBe(150);
    expect(raster.getPixel(9, 4)).toEqual(WHITE);
    raster.fillRect(8, 3, 10, 10, RED);
    expect(raster.getPixel(9, 4)).toEqual(RED);
    expect(raster.getPixel(7, 4)).toEqual(WHITE);
    raster.setPixel(-1, 100, RED); // ignored
  });

  it('draws lines through both end points, dashed when asked', () => {
    const raster = new Raster(20, 20);
    raster.line(1, 1, 15, 9, RED);
    expect(raster.getPixel(1, 1)).toEqual(RED);
    expect(raster.getPixel(15, 9)).toEqual(RED);
    const dashed = new Raster(20, 3);
    dashed.line(0, 1, 19, 1, RED, { dash: [2, 2] });
    const inked = Array.from(
      { length: 20 },
      (_, x) => dashed.getPixel(x, 1)[0] === 255 && dashed.getPixel(x, 1)[1] === 0,
    );
    expect(inked.slice(0, 8)).toEqual([true, true, false, false, true, true, false, false]);
  });

  it('draws text with the bitmap font and returns its width', () => {
    const raster = new Raster(40, 20);
    const drawn = raster.text(0, 0, 'L1', RED, 1);
    expect(drawn).toBe(textWidth('L1'));
    // 'L' has ink in its whole first column and along its bottom row.
    for (let y = 0; y < GLYPH_HEIGHT; y++) expect(raster.getPixel(0, y)).toEqual(RED);
    expect(raster.getPixel(4, GLYPH_HEIGHT - 1)).toEqual(RED);
    expect(raster.getPixel(4, 0)).toEqual(WHITE);
  });

  it('refuses empty rasters', () => {
    expect(() => new Raster(0, 5)).toThrow(RangeError);
  });
});

describe('font', () => {
  it('draws lower case as capitals and unknown characters as ?', () => {
    expect(glyph('a')).toEqual(glyph('A'));
    expect(glyph('§')).toEqual(glyph('?'));
    expect(glyph('0')).toHaveLength(7);
  });
});

describe('niceTicks', () => {
  it('uses steps of 1, 2 or 5 times a power of ten', () => {
    expect(niceTicks(0, 12, 6)).toEqual([0, 2, 4, 6, 8, 10, 12]);
    expect(niceTicks(0, 1500, 4)).toEqual([0, 500, 1000, 1500]);
    expect(niceTicks(1, 540, 8)).toEqual([100, 200, 300, 400, 500]);
    expect(niceTicks(5, 5)).toEqual([5]);
  });

  it('niceCeiling rounds up to a tick', () => {
    expect(niceCeiling(149.1, 4)).toBe(150);
    expect(niceCeiling(1428 * 1.05, 4)).toBe(1500);
    expect(niceCeiling(1501, 4)).toBe(2000);
    expect(niceCeiling(0)).toBe(1);
  });
});

describe('renderSwarmChart', () => {
  const points: SwarmChartPoint[] = Array.from({ length: 50 }, (_, i) => ({
    height: i + 1,
    min: 5,
    p25: 6,
    median: 7,
    p75: 8,
    max: 9,
    swarms: 100 + i,
  }));

  it('draws an image of the asked size with the bands, the median and the swarm count', () => {
    const raster = renderSwarmChart({
      title: 'TEST',
      points,
      markers: [{ height: 10, label: 'CHURN' }],
      width: 600,
      height: 400,
    });
    expect(raster.width).toBe(600);
    expect(raster.height).toBe(400);
    const colours = new Set<string>();
    for (let i = 0; i < raster.pixels.length; i += 3) {
      colours.add(`${raster.pixels[i]},${raster.pixels[i + 1]},${raster.pixels[i + 2]}`);
    }
    expect(colours).toContain('206,222,242'); // min-max band
    expect(colours).toContain('124,166,219'); // p25-p75 band
    expect(colours).toContain('20,62,130'); // median line
    expect(colours).toContain('214,110,20'); // swarm count line
    expect(colours).toContain('200,40,40'); // minimum swarm size
  });

  it('draws only the title when there are no points', () => {
    const raster = renderSwarmChart({ title: 'EMPTY', points: [], width: 200, height: 100 });
    expect(raster.width).toBe(200);
  });
});
