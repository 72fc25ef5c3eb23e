import { it, expect } from 'vitest';
import { quickstart } from '../../examples/quickstart';

it("the README's quick tour runs and prints what it promises", async () => {
  const lines: string[] = [];
  await quickstart((s) => lines.push(s));
  expect(lines[0]).toMatch(/^backend: wasm-(relaxed-)?simd$/);
  expect(lines[1]).toBe('vertical edges: [[0,30,30,0],[0,30,30,0],[0,30,30,0],[0,30,30,0]]');
  expect(lines[2]).toBe('d/dpixels shape: [1,6,6,1]');
  const [, first, last] = lines[3].match(/loss ([\d.]+) -> ([\d.]+)/)!.map(Number);
  expect(last).toBeLessThan(first / 10);
  expect(lines[4]).toBe('js backend agrees: true');
});
