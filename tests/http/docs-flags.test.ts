import { describe, expect, test } from 'vitest';
import { FLAGS, flagsMarkdown, helpText } from '../../src-server/config/flags.js';

describe('flag documentation', () => {
  test('docs/flags.md matches the FLAGS table (regenerate with -u)', async () => {
    await expect(flagsMarkdown()).toMatchFileSnapshot('../../docs/flags.md');
  });

  test('--help lists every flag', () => {
    const help = helpText('responses-studio gateway');
    for (const f of FLAGS) expect(help).toContain(`--${f.flag}`);
  });
});
