/**
 * Client tools in the console: the Codex-style template, the simulator made to call a named tool
 * from the composer (x-simulator-tool), and the run saying what the gateway did to the tools
 * (hosted tools omitted, a grammar not enforced). Chromium against web mode.
 */
import { describe, expect, test } from 'vitest';
import { hasChromium, sendTemplate, suiteHarness, waitForRunStatus } from './harness.js';

describe.skipIf(!hasChromium)('console: client-executed tools', () => {
  const h = suiteHarness();

  test(
    'the simulator calls the custom apply_patch tool; the run flags the omitted hosted tool and the unenforced grammar',
    { tags: ['X1', 'U1', 'U3'] },
    async () => {
      const page = await h.open();
      await page.getByTestId('sim-tool').fill('apply_patch');
      await page
        .getByTestId('sim-tool-arguments')
        .fill(JSON.stringify({ input: '*** Begin Patch\n*** Add File: hello.txt\n+Hello é\n*** End Patch\n' }));
      await sendTemplate(page, 'client-tools');
      expect(await waitForRunStatus(page, 'completed')).toBe('completed');
      expect(await page.getByTestId('run-omitted-tools').innerText()).toBe('hosted tools omitted: web_search');
      expect(await page.getByTestId('run-grammar-note').innerText()).toBe('grammar not enforced: apply_patch');
      const item = page.getByTestId('assembled-item-custom_tool_call');
      expect(await item.innerText()).toContain('apply_patch');
      expect(await item.getByTestId('assembled-args').innerText()).toContain('+Hello é');
      if (process.env.SCREENSHOT_DIR)
        await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/client-tools.png`, fullPage: false });
      await page.context().close();
    },
  );
});
