// Reference kernel (optimizer family): Adam's update in place, plain loop in f64, stored as f32.
import type { KernelFamily } from '../kernels';

export const optimKernels = {
  adamUpdate(w, g, m, v, lr, beta1, beta2, epsilon) {
    for (let i = 0; i < w.length; i++) {
      const gi = g[i];
      m[i] = beta1 * m[i] + (1 - beta1) * gi;
      v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
      w[i] -= (lr * m[i]) / (Math.sqrt(v[i]) + epsilon);
    }
  },
} satisfies KernelFamily;
