// The surface view's camera angles, in radians, with the ranges that the
// view keeps them in. No DOM here: the URL state schema reads these ranges
// too, so that a link contains only angles the view can show.

export const DEFAULT_CAMERA = Object.freeze({ yaw: -0.6, pitch: 0.35 });

// Ranges in the shape of the core's parameter table entries, so that
// url-state.js checks them like any core parameter. Yaw wraps around, so
// [-pi, pi] covers every turn. Pitch stops short of +-pi/2, where the view
// would look straight down the vertical axis.
export const CAMERA_RANGES = Object.freeze({
  yaw: Object.freeze({ name: 'camera yaw', min: -Math.PI, max: Math.PI, minInclusive: true, maxInclusive: true,
    integer: false }),
  pitch: Object.freeze({ name: 'camera pitch', min: -1.5, max: 1.5, minInclusive: true, maxInclusive: true,
    integer: false }),
});

/** Returns the camera with yaw wrapped into [-pi, pi] and pitch clamped to its range. */
export function normalizeCamera({ yaw, pitch }) {
  const turns = Math.round(yaw / (2 * Math.PI));
  // The clamp of yaw only catches a last-bit rounding error of the subtraction.
  const clamp = (value, { min, max }) => Math.max(min, Math.min(max, value));
  return { yaw: clamp(yaw - 2 * Math.PI * turns, CAMERA_RANGES.yaw), pitch: clamp(pitch, CAMERA_RANGES.pitch) };
}

/**
 * Rounds each angle toward zero to 1e-3 rad for a link, short enough to
 * read and well below a visible change. Rounding toward zero keeps a
 * value inside a range that is symmetric about zero (pi becomes 3.141).
 */
export function roundCamera({ yaw, pitch }) {
  const round = (angle) => Math.trunc(angle * 1000) / 1000 + 0;
  return { yaw: round(yaw), pitch: round(pitch) };
}
