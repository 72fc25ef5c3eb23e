// The demo page's entry: loads convkit (the import of '../../src' becomes `import ... from 'convkit'`
// when scripts/serve.mjs bundles this file; the page's import map points that at convkit.browser.js),
// reports the backend, and wires the five tabs.
import { init, backend } from '../../src';
import { $ } from './ui';
import { setupDigits } from './digits';
import { setupEdges } from './edges';
import { setupDetect } from './detect';
import { setupStyle } from './style';
import { setupBench } from './bench';

async function main(): Promise<void> {
  const info = await init();
  $('backend-info').textContent =
    `backend: ${info.kernel} (SIMD ${info.simd ? 'yes' : 'no'}, relaxed SIMD ${info.relaxedSimd ? 'yes' : 'no'}); ` +
    `available: ${backend.available().join(', ')}; threads: ${info.threads}: ${info.threadsReason}; crossOriginIsolated: ${globalThis.crossOriginIsolated}`;
  $('backend-info').dataset.kernel = info.kernel;
  const edges = setupEdges();
  let edgesShown = false;
  for (const b of document.querySelectorAll<HTMLButtonElement>('#tabs button')) {
    b.addEventListener('click', () => {
      for (const o of document.querySelectorAll('#tabs button, .tab')) o.classList.remove('active');
      b.classList.add('active');
      $(`tab-${b.dataset.tab}`).classList.add('active');
      if (b.dataset.tab === 'edges' && !edgesShown) {
        edgesShown = true;
        void edges();
      }
    });
  }
  setupDetect();
  setupStyle();
  setupBench();
  await setupDigits();
}

main().catch((e) => {
  $('backend-info').textContent = `convkit failed to start: ${(e as Error).message}`;
  $('backend-info').dataset.kernel = 'error';
});
