// Browser end-to-end test of the Storyline search page (run by tests/browser.rs).
//
//   node tests/browser/search.mjs <url> <query> <expected-substring>
//
// Types <query> into the search box key by key, checks that a result contains
// <expected-substring>, checks keyboard focus, opens the first result and waits for its
// Related list, follows a related story, goes back, and reloads a story URL.
// Set STORYLINE_SCREENSHOT=/tmp/x.png to save screenshots (x-results.png and x.png).
// Exits 0 with a one-line summary, or 1 with the reason.

import { chromium } from 'playwright-core';

const TOTAL_TIMEOUT_MS = 60_000;
const STEP_TIMEOUT_MS = 15_000;
const CHROMIUM = process.env.STORYLINE_CHROMIUM || '/usr/bin/chromium';

const [url, query, expected] = process.argv.slice(2);
if (!url || !query || !expected) {
  console.error('usage: node search.mjs <url> <query> <expected-substring>');
  process.exit(2);
}

let browser = null;
let step = 'starting';
const pageErrors = [];
const badResponses = [];

async function fail(message) {
  console.error(`browser test FAILED at step "${step}": ${message}`);
  if (pageErrors.length) console.error(`page errors:\n  ${pageErrors.join('\n  ')}`);
  if (badResponses.length) console.error(`failed requests:\n  ${badResponses.join('\n  ')}`);
  if (browser) {
    await Promise.race([browser.close().catch(() => {}), new Promise((r) => setTimeout(r, 3000))]);
  }
  process.exit(1);
}

const overall = setTimeout(() => fail(`timed out after ${TOTAL_TIMEOUT_MS / 1000} s`), TOTAL_TIMEOUT_MS);

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** STORYLINE_SCREENSHOT with `suffix` before the extension. */
function screenshotPath(suffix) {
  const base = process.env.STORYLINE_SCREENSHOT;
  if (!base) return null;
  const dot = base.lastIndexOf('.');
  return dot > base.lastIndexOf('/') ? base.slice(0, dot) + suffix + base.slice(dot) : base + suffix + '.png';
}

async function main() {
  step = 'launch chromium';
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: STEP_TIMEOUT_MS,
  });
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, locale: 'en-US' });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.on('pageerror', (err) => pageErrors.push(String(err && err.stack ? err.stack : err)));
  page.on('console', (msg) => {
    // failed requests are listed apart (a half-typed query may fairly be refused)
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
      pageErrors.push(`console: ${msg.text()}`);
    }
  });
  page.on('response', (response) => {
    if (response.status() >= 400) badResponses.push(`${response.status()} ${response.url()}`);
  });

  step = 'open the page';
  const response = await page.goto(url, { waitUntil: 'domcontentloaded' });
  check(response && response.ok(), `GET ${url} answered ${response && response.status()}`);
  await page.locator('#q').waitFor({ state: 'visible' });
  check(await page.locator('label[for="q"]').count() === 1, 'the search box has no <label for="q">');

  step = `type "${query}"`;
  await page.click('#q');
  await page.type('#q', query, { delay: 40 });

  step = 'wait for results';
  await page.waitForFunction(
    (words) => {
      const list = document.querySelector('#results');
      return list && list.dataset.query === words && !list.hasAttribute('aria-busy')
        && list.querySelector('.hit') !== null;
    },
    query.trim(),
    { timeout: STEP_TIMEOUT_MS },
  );
  check(await page.evaluate(() => location.hash.includes('q=')), `the URL hash does not hold the query: ${page.url()}`);
  const hits = await page.locator('#results .hit').allInnerTexts();
  const total = (await page.locator('#total').innerText()).trim();
  check(/\d/.test(total), `#total shows no count: "${total}"`);
  check(hits.some((text) => text.includes(expected)),
    `no result contains "${expected}"; the first result is:\n${hits[0]}`);
  const marks = await page.locator('#results .hit mark').count();
  check(marks > 0, 'no highlighted (<mark>) words in the results');
  const took = (await page.locator('#took').innerText()).trim();

  step = 'keyboard focus';
  await page.focus('#q');
  await page.keyboard.press('Tab');
  const tabbed = await page.evaluate(() => {
    const active = document.activeElement;
    return {
      moved: active !== null && active !== document.body && active.id !== 'q',
      what: active ? `${active.tagName.toLowerCase()}${active.id ? '#' + active.id : ''}` : 'nothing',
      outline: active ? getComputedStyle(active).outlineStyle : 'none',
    };
  });
  check(tabbed.moved, `Tab from the search box left focus on ${tabbed.what}`);
  check(tabbed.outline !== 'none', `the focused ${tabbed.what} shows no focus outline`);
  await page.focus('#q');
  await page.keyboard.press('ArrowDown');
  const arrowed = await page.evaluate(() => document.activeElement && document.activeElement.matches('#results .hit-title'));
  check(arrowed, 'ArrowDown from the search box did not focus the first result');

  const shot1 = screenshotPath('-results');
  if (shot1) await page.screenshot({ path: shot1, fullPage: true });

  step = 'open the first result';
  const first = page.locator('#results .hit-title').first();
  const firstTitle = (await first.innerText()).trim();
  const firstLang = await page.locator('#results .hit').first().getAttribute('lang');
  await first.click();
  await page.locator('#story').waitFor({ state: 'visible' });
  check(await page.locator('#search-view').isHidden(), 'the results are still shown beside the story');
  await page.waitForFunction(() => location.hash.startsWith('#story='));
  await page.waitForFunction(
    (title) => document.querySelector('#story-title')?.textContent.trim() === title,
    firstTitle,
  );
  const storyLang = await page.locator('#story-body').getAttribute('lang');
  check(storyLang === firstLang, `the story's lang is "${storyLang}", its result's "${firstLang}"`);

  step = 'wait for the Related list';
  await page.locator('#related .related-item').first().waitFor({ state: 'visible' });
  const relatedCount = await page.locator('#related .related-item').count();
  const why = await page.locator('#related .related-item .why').first().innerText();
  check(/tags \d/.test(why), `the first related story has no explanation line: "${why}"`);
  const relatedStatus = await page.locator('#related-status').innerText();
  check(
    /^\d+ related stor(y|ies), ranked on /.test(relatedStatus),
    `the Related status does not say what the list was ranked on: "${relatedStatus}"`,
  );

  const shot2 = screenshotPath('');
  if (shot2) await page.screenshot({ path: shot2, fullPage: true });

  step = 'follow a related story';
  const storyHash = await page.evaluate(() => location.hash);
  const relatedLink = page.locator('#related .related-item .related-title').first();
  const relatedTitle = (await relatedLink.innerText()).trim();
  await relatedLink.click();
  await page.waitForFunction(
    (title) => document.querySelector('#story-title')?.textContent.trim() === title,
    relatedTitle,
  );
  await page.locator('#related .related-item').first().waitFor({ state: 'visible' });

  step = 'browser back to the first story';
  await page.goBack();
  await page.waitForFunction(
    (title) => document.querySelector('#story-title')?.textContent.trim() === title,
    firstTitle,
  );
  check(await page.evaluate(() => location.hash) === storyHash, 'back did not restore the story URL');

  step = 'reload the story URL';
  await page.reload({ waitUntil: 'domcontentloaded' });
  await page.waitForFunction(
    (title) => document.querySelector('#story-title')?.textContent.trim() === title,
    firstTitle,
  );
  await page.locator('#related .related-item').first().waitFor({ state: 'visible' });

  step = 'back to results';
  await page.click('#back');
  await page.locator('#search-view').waitFor({ state: 'visible' });
  await page.waitForFunction(
    (words) => document.querySelector('#results')?.dataset.query === words
      && document.querySelector('#results .hit') !== null,
    query.trim(),
  );
  const q = await page.inputValue('#q');
  check(q.trim() === query.trim(), `the search box holds "${q}" after going back, not "${query}"`);
  check(await page.locator('#notices').isHidden(), 'a query read as typed shows a notice');

  const someTag = await page.locator('#results .hit button.chip.tag').first().getAttribute('data-tag');

  step = 'a tag no story carries';
  const missing = 'Tag No Story Carries';
  await page.fill('#q', `${query.trim()} tag:"${missing}" `);
  await page.locator('#notices li').first().waitFor({ state: 'visible' });
  const notice = (await page.locator('#notices').innerText()).trim();
  check(notice.includes(`no story carries the tag "${missing}"`), `the notice says "${notice}"`);
  check(await page.locator('#did-you-mean').isHidden(), 'a tag like no other is given a proposal');
  step = 'a misspelt tag';
  // the query with the tag meant is one click away
  if (someTag) {
    const misspelt = `${someTag}x`;
    await page.fill('#q', `${query.trim()} tag:"${misspelt}" `);
    await page.locator('#did-you-mean-query').waitFor({ state: 'visible' });
    const proposal = (await page.locator('#did-you-mean-query').innerText()).trim();
    check(proposal.startsWith(`${query.trim()} tag:"`) && !proposal.includes(misspelt),
      `did you mean "${proposal}" for tag:"${misspelt}"`);
    await page.click('#did-you-mean-query');
    await page.waitForFunction(
      (words) => document.querySelector('#results')?.dataset.query === words
        && document.querySelector('#results .hit') !== null
        && document.querySelector('#did-you-mean')?.hidden === true,
      proposal,
    );
  }
  step = 'a tag by its name';
  // the words of a tag's name find its stories, and their chip for it is marked as matched
  if (someTag) {
    await page.fill('#q', `${someTag} `);
    await page.waitForFunction(
      (tag) => [...document.querySelectorAll('#results .hit button.chip.tag.matched')]
        .some((b) => b.dataset.tag === tag),
      someTag,
    );
    const unmarked = await page.$$eval('#results .hit button.chip.tag:not(.matched)',
      (buttons, tag) => buttons.filter((b) => b.dataset.tag === tag).length, someTag);
    check(unmarked === 0, `${unmarked} chips for "${someTag}" are not marked as matching its name`);
  }
  await page.fill('#q', query);
  await page.waitForFunction(
    (words) => document.querySelector('#results')?.dataset.query === words
      && document.querySelector('#notices')?.hidden === true,
    query.trim(),
  );

  check(pageErrors.length === 0, 'the page reported errors');
  await browser.close();
  browser = null;
  clearTimeout(overall);
  console.log(`browser ok: "${query}" → ${total} ${took}; ${hits.length} shown, ${marks} highlights; `
    + `Tab → ${tabbed.what}; opened "${firstTitle}" (${storyLang}) with ${relatedCount} related; `
    + 'related link, back, reload and back-to-results work; a missing tag is said, a misspelt one '
    + 'proposed and its query run in one click');
}

main().catch((err) => fail(err && err.message ? err.message : String(err)));
