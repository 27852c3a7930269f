// Drives headless Chromium (Debian's, through playwright-core: no browser download) through the Spendgate console.
// Started by ConsoleBrowserIT, which runs the gateway on a simulated month and passes the expected figures in env.
// Exits non-zero with the failed check's message; prints one "ok ..." line per check.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const env = process.env;
const base = env.CONSOLE_BASE;
const shots = env.SCREENSHOT_DIR;
mkdirSync(shots, { recursive: true });
const errors = [];
// Pages answered with 400/401 on purpose (a wrong token, a bad limit) make Chromium log "Failed to load resource";
// those are expected while this is set, any other console error fails the test.
let expectRefusal = false;

function check(condition, message) {
  if (!condition) {
    throw new Error('FAILED: ' + message);
  }
  console.log('ok ' + message);
}

// True once the text is on the page (navigation after a click takes a moment).
async function sees(page, text) {
  try {
    await page.getByText(text).first().waitFor({ timeout: 10000 });
    return true;
  } catch (e) {
    return false;
  }
}

async function call(secret) {
  const r = await fetch(base + '/v1/chat/completions', {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + secret, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 200, messages: [{ role: 'user', content: 'hi' }] }),
  });
  await r.arrayBuffer();
  return r.status;
}

// The gateway caches keys and budgets for up to a second: retry for a few seconds until the status is the one expected.
async function callUntil(secret, expected) {
  let status;
  for (let i = 0; i < 30; i++) {
    status = await call(secret);
    if (status === expected) {
      return status;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return status;
}

const browser = await chromium.launch({ executablePath: env.CHROMIUM, args: ['--no-sandbox'] });
try {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' && !(expectRefusal && /status of 40[01]/.test(m.text()))) {
      errors.push(page.url() + ': ' + m.text());
    }
  });
  page.on('pageerror', (e) => errors.push(page.url() + ': ' + e));

  async function open(path, name) {
    const response = await page.goto(base + '/console/' + path);
    check(response.status() === 200, `${name} page answers 200 (got ${response.status()})`);
    await page.waitForLoadState('networkidle');
    if (name !== 'budgets-before') {
      await page.screenshot({ path: `${shots}/${name}.png`, fullPage: false });
    }
  }

  // Signed out: the console asks for the admin token first.
  await page.goto(base + '/console/');
  check(page.url().endsWith('/console/login'), 'a signed-out browser is sent to the sign-in page');
  expectRefusal = true;
  await page.getByLabel('Admin token').fill('wrong-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  check(await sees(page, 'That is not the admin token.'), 'a wrong admin token is refused');
  expectRefusal = false;
  await page.screenshot({ path: `${shots}/login.png` });
  await page.getByLabel('Admin token').fill(env.ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/console\/$/);

  // Spend of the simulated month, by department: the page's figures equal the usage log's.
  await open(`?from=${env.MONTH_FROM}&to=${env.MONTH_TO}&by=department`, 'spend');
  const total = (await page.getByTestId('spend-total').textContent()).trim();
  check(total === env.EXPECTED_TOTAL, `spend total on the page ${total} equals the usage log's ${env.EXPECTED_TOTAL}`);
  const dept = (await page.locator(`tr[data-key="${env.DEPARTMENT}"] td.cost`).textContent()).trim();
  check(dept === env.EXPECTED_DEPARTMENT,
      `department ${env.DEPARTMENT} on the page ${dept} equals the usage log's ${env.EXPECTED_DEPARTMENT}`);
  check(await page.locator('#spend-chart').isVisible(), 'the spend chart is drawn');
  await page.screenshot({ path: `${shots}/spend.png`, fullPage: false });

  await open('findings', 'findings');
  check((await page.getByTestId('findings-table').locator('tbody tr').count()) > 0, 'findings are listed');
  await open('reports', 'reports');
  check((await page.getByTestId('reports-list').textContent()).includes('board-report.pdf'), 'the board PDF is listed');
  const download = await page.request.get(await page.locator('a', { hasText: 'board-report.pdf' }).first().evaluate((a) => a.href));
  check(download.status() === 200 && (await download.body()).subarray(0, 5).toString() === '%PDF-', 'the board PDF downloads');

  // A key created in the console: its secret is shown once, and it works for a proxied call.
  await open('keys', 'keys');
  await page.getByLabel('Name', { exact: true }).fill('console-test-key');
  await page.getByLabel('Environment', { exact: true }).fill('dev');
  await page.getByLabel('Default feature (optional)').fill('console-test');
  await page.getByLabel('Default department (optional)').fill('qa');
  await page.getByRole('button', { name: 'Create key' }).click();
  await page.getByTestId('new-secret').waitFor();
  const secret = await page.getByTestId('new-secret').inputValue();
  check(secret.startsWith('sg-'), 'creating a key shows its secret');
  await page.screenshot({ path: `${shots}/key-created.png` });
  await page.goto(base + '/console/keys');
  check(!(await page.content()).includes(secret), 'the secret is not shown again');
  check((await callUntil(secret, 200)) === 200, 'the new key works for a proxied call');

  // A budget set through the form changes enforcement: the next call over it gets 429.
  await open('budgets', 'budgets-before');
  await page.getByLabel('Scope').fill('feature:console-test');
  expectRefusal = true;
  await page.getByLabel('Limit (USD)').fill('ten dollars');
  await page.getByRole('button', { name: 'Save budget' }).click();
  check(await sees(page, "Invalid 'limit_usd'"), 'a bad limit is refused, naming limit_usd');
  expectRefusal = false;
  await page.getByLabel('Limit (USD)').fill('0.000001');
  await page.getByLabel('Mode').selectOption('block');
  await page.getByRole('button', { name: 'Save budget' }).click();
  check(await sees(page, 'Saved budget feature:console-test/monthly'), 'the budget is saved');
  check((await callUntil(secret, 429)) === 429, 'a call over the new budget gets 429');
  await page.goto(base + '/console/budgets');
  await page.screenshot({ path: `${shots}/budgets.png`, fullPage: false });

  // Revoking the key in the console refuses its next call.
  await page.goto(base + '/console/keys');
  await page.getByRole('button', { name: 'Revoke key console-test-key' }).click();
  check(await sees(page, 'Revoked key'), 'the key is revoked');
  check((await callUntil(secret, 401)) === 401, 'the revoked key is refused (401)');

  // Recent calls now hold the console key's calls (the 200 and the 429; a revoked key's call is not authenticated).
  await open('calls', 'calls');
  check((await page.getByTestId('calls-table').textContent()).includes('console-test'), 'recent calls list them');

  // Keyboard: the skip link is the first stop and leads to the main content.
  await page.keyboard.press('Tab');
  check((await page.evaluate(() => document.activeElement.className)) === 'skip', 'Tab reaches the skip link first');

  check(errors.length === 0, 'no browser console errors' + (errors.length ? ': ' + errors.join(' | ') : ''));
} finally {
  await browser.close();
}
