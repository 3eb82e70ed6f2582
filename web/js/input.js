// Parsing of typed numbers, shared by every form on the page.

// Strict decimal syntax: digits with an optional sign, point and exponent.
export const NUMBER_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function shorten(text) {
  return text.length > 30 ? `${text.slice(0, 30)}…` : text;
}

/**
 * Parses the text of a number field and checks it against the core's range
 * for `name`. Returns { value } or { error } with a message for people.
 */
export function parseDecimal(core, name, text) {
  const trimmed = text.trim();
  if (!NUMBER_PATTERN.test(trimmed)) {
    const whole = core.parameters.find((entry) => entry.name === name)?.integer;
    const example = whole ? 'a whole number such as 3' : 'a decimal number such as 1.5 or 2e-3';
    return { error: `${name}: "${shorten(trimmed)}" is not a number. Enter ${example}.` };
  }
  const value = Number(trimmed);
  if (!Number.isFinite(value)) {
    return { error: `${name}: "${shorten(trimmed)}" is too large to be a number here.` };
  }
  const message = core.checkParameter(name, value);
  return message ? { error: message } : { value };
}

/** Parses "a, b, c" into numbers, each checked against the range of `name`. */
export function parseDecimalList(core, name, text) {
  const parts = text.split(',').map((part) => part.trim());
  const values = [];
  for (const part of parts) {
    const result = parseDecimal(core, name, part);
    if (result.error) return result;
    values.push(result.value);
  }
  return { value: values };
}
