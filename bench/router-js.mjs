// The discrete router's sample mode in plain JavaScript, for the benchmark.
// It is the same algorithm as the WebAssembly kernels: float32 scores,
// max-shifted softmax, one uniform per step from a keyed counter hash. It is
// written as a JavaScript programmer would, with Math.exp and Math.imul.

function fmix32(x) {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * Runs `replicas` replicas of N experts for `steps` steps of sample-mode
 * routing and returns the final scores, expert-major.
 */
export function runRouterJs({ experts, beta, eta, lambda, bias, replicas, steps, seed }) {
  const scores = new Float32Array(experts * replicas).fill(1 / (experts * lambda));
  const weights = new Float64Array(experts);
  const decay = 1 - eta * lambda;
  for (let r = 0; r < replicas; r++) {
    const key1 = fmix32(seed ^ fmix32(r + 0x9e3779b9));
    const key2 = fmix32(key1 ^ 0x5bd1e995);
    for (let step = 0; step < steps; step++) {
      let top = -Infinity;
      for (let i = 0; i < experts; i++) {
        weights[i] = beta * scores[i * replicas + r] + bias[i];
        if (weights[i] > top) top = weights[i];
      }
      let total = 0;
      for (let i = 0; i < experts; i++) {
        weights[i] = Math.exp(weights[i] - top);
        total += weights[i];
      }
      const bits = fmix32(fmix32((Math.imul(step, 0x9e3779b9) + key1) >>> 0) ^ key2);
      const target = ((bits >>> 9) + 0.5) / 8388608 * total; // the same uniform as the kernels
      let chosen = experts - 1;
      let cumulative = 0;
      for (let i = 0; i < experts - 1; i++) {
        cumulative += weights[i];
        if (cumulative > target) {
          chosen = i;
          break;
        }
      }
      for (let i = 0; i < experts; i++) {
        const index = i * replicas + r;
        scores[index] = scores[index] * decay + (i === chosen ? eta : 0);
      }
    }
  }
  return scores;
}
