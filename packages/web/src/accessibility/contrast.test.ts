import { readFile } from 'node:fs/promises';
import { describe, expect, it } from '@jest/globals';
import { colourVariables, contrastRatio } from './contrast.js';

const STYLESHEET = new URL('../../app/src/styles.css', import.meta.url);

/** Text and background pairs the pages use; WCAG AA asks 4.5:1 for normal text. */
const PAIRS: [text: string, background: string][] = [
  ['ink', 'paper'],
  ['muted', 'paper'],
  ['accent', 'paper'],
  ['accent-ink', 'accent'],
  ['danger', 'paper'],
  ['ok', 'paper'],
  ['ink', 'tint'],
  ['accent', 'tint'],
  ['ink', 'warn-bg'],
  ['danger', 'warn-bg'],
  ['muted', 'warn-bg'],
];

describe('the web app’s colours', () => {
  it('reach WCAG AA contrast (4.5:1) for every text colour on the backgrounds it is used on', async () => {
    const colours = colourVariables(await readFile(STYLESHEET, 'utf8'));
    const failing = PAIRS.map(([text, background]) => {
      const ratio = contrastRatio(colours.get(text) ?? 'missing', colours.get(background) ?? 'missing');
      return { pair: `${text} on ${background}`, ratio: Math.round(ratio * 100) / 100 };
    }).filter(({ ratio }) => ratio < 4.5);
    expect(failing).toEqual([]);
  });

  it('measures contrast as WCAG defines it', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });
});
