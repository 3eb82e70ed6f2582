// Okabe-Ito colours, distinguishable with the common colour-vision deficiencies.
export const colors = Object.freeze({
  blue: '#0072B2',
  orange: '#E69F00',
  green: '#009E73',
  vermillion: '#D55E00',
  sky: '#56B4E9',
  purple: '#CC79A7',
  yellow: '#F0E442',
  black: '#000000',
  grey: '#6b7280',
  lightGrey: '#c8ccd1',
});

/** Returns the colour of a state by its sign: lower state blue, upper state orange. */
export function stateColor(m) {
  if (Math.abs(m) < 1e-9) return colors.green;
  return m < 0 ? colors.blue : colors.orange;
}

/** Returns colour with the given opacity, as an rgba() string. */
export function withAlpha(color, alpha) {
  const value = Number.parseInt(color.slice(1), 16);
  return `rgba(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255}, ${alpha})`;
}
