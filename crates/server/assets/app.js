// Storyline search page: search-as-you-type, filters, facets and the story view with its
// Related list. Plain ES2020, no dependencies. Server text is only ever put into the page as
// text nodes (never innerHTML); highlights are built from code point offsets.
'use strict';

(() => {
  const PAGE_SIZE = 20;
  const DEBOUNCE_MS = 150;
  const RELATED_LIMIT = 10;
  const TOP_TAGS = 15;
  const MAX_MONTH_BARS = 36;

  const $ = (selector) => document.querySelector(selector);
  const els = {
    form: $('#search-form'),
    q: $('#q'),
    from: $('#from'),
    to: $('#to'),
    sort: $('#sort'),
    tagInput: $('#tag-input'),
    tagSuggestions: $('#tag-suggestions'),
    activeFilters: $('#active-filters'),
    activeChips: $('#active-filters .chips'),
    clearFilters: $('#clear-filters'),
    searchView: $('#search-view'),
    total: $('#total'),
    took: $('#took'),
    relaxed: $('#relaxed'),
    notices: $('#notices'),
    didYouMean: $('#did-you-mean'),
    didYouMeanQuery: $('#did-you-mean-query'),
    error: $('#error'),
    results: $('#results'),
    more: $('#more'),
    facets: $('#facets'),
    facetTags: $('#facet-tags'),
    facetMonths: $('#facet-months'),
    facetPeriod: $('#facet-period'),
    story: $('#story'),
    storyError: $('#story-error'),
    storyBody: $('#story-body'),
    storyTitle: $('#story-title'),
    storyDate: $('#story-date'),
    storyCategory: $('#story-category'),
    storyTags: $('#story-tags'),
    storySummary: $('#story-summary'),
    storySourcesSection: $('#story-sources-section'),
    storySources: $('#story-sources'),
    storyVersionsSection: $('#story-versions-section'),
    storyVersions: $('#story-versions'),
    relatedOrder: $('#related-order'),
    relatedStatus: $('#related-status'),
    related: $('#related'),
    back: $('#back'),
    home: $('#home'),
  };

  /** The search being shown (mirrored in the URL hash). */
  const state = { q: '', tags: [], from: '', to: '', sort: 'relevance' };
  /** Key of the search whose results are in the list, to skip refetching on "back". */
  let shownKey = null;
  let shownCount = 0;
  let shownTotal = 0;
  /** The story being shown, if any. */
  let currentStoryId = null;
  /** The story last opened from the results, to give its link focus again on "back". */
  let lastOpenedId = null;
  let resultsScrollY = 0;

  let searchSeq = 0;
  let searchController = null;
  let debounceTimer = 0;
  let storySeq = 0;
  let storyController = null;
  let relatedController = null;
  let tagSeq = 0;
  let tagController = null;
  let tagTimer = 0;

  // ---------------------------------------------------------------- helpers

  /** An element with optional class and text. */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = String(text);
    return node;
  }

  /**
   * Text with `<mark>`s around the code point ranges `highlights` ([[start, end], …]), as a
   * fragment of text nodes and elements.
   */
  function highlighted(text, highlights) {
    const fragment = document.createDocumentFragment();
    const chars = Array.from(text || '');
    const ranges = (Array.isArray(highlights) ? highlights : [])
      .filter((r) => Array.isArray(r) && r.length >= 2 && Number.isInteger(r[0]) && Number.isInteger(r[1]))
      .map(([start, end]) => [Math.max(0, start), Math.min(chars.length, end)])
      .filter(([start, end]) => start < end)
      .sort((a, b) => a[0] - b[0]);
    let pos = 0;
    for (const [start, end] of ranges) {
      if (end <= pos) continue; // overlaps a range already marked
      const from = Math.max(start, pos);
      if (from > pos) fragment.append(document.createTextNode(chars.slice(pos, from).join('')));
      fragment.append(el('mark', null, chars.slice(from, end).join('')));
      pos = end;
    }
    if (pos < chars.length) fragment.append(document.createTextNode(chars.slice(pos).join('')));
    return fragment;
  }

  const HAN = /\p{Script=Han}/u;
  /** "zh" or "en": the given language when known, else a guess from the text. */
  function langOf(language, text) {
    if (language === 'zh' || language === 'en') return language;
    return HAN.test(text || '') ? 'zh' : 'en';
  }

  function storyHash(id) {
    return '#story=' + encodeURIComponent(id);
  }

  function storyHref(id) {
    return storyHash(id);
  }

  function apiUrl(path, params) {
    const query = params ? params.toString() : '';
    return path + (query ? '?' + query : '');
  }

  /** Fetches JSON; rejects with the server's error message for 4xx/5xx answers. */
  async function getJSON(url, signal) {
    const response = await fetch(url, { signal, headers: { Accept: 'application/json' } });
    let body = null;
    try {
      body = await response.json();
    } catch (err) {
      if (err && err.name === 'AbortError') throw err;
      body = null;
    }
    if (!response.ok) {
      const message = body && body.error && body.error.message
        ? body.error.message
        : `The server answered ${response.status} ${response.statusText}`.trim();
      const error = new Error(message);
      error.status = response.status;
      throw error;
    }
    if (body == null) throw new Error('The server sent an answer that is not JSON.');
    return body;
  }

  function isAbort(err) {
    return err && err.name === 'AbortError';
  }

  function plural(n, one, many) {
    return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
  }

  function fixed(x, digits = 2) {
    return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '–';
  }

  /** Days between two YYYY-MM-DD dates (b − a), or null. */
  function daysBetween(a, b) {
    const pa = Date.parse(a + 'T00:00:00Z');
    const pb = Date.parse(b + 'T00:00:00Z');
    if (Number.isNaN(pa) || Number.isNaN(pb)) return null;
    return Math.round((pb - pa) / 86400000);
  }

  function timeEl(date, className) {
    const node = el('time', className, date || '');
    if (date) node.dateTime = date;
    return node;
  }

  /** Only http(s) links from the archive become clickable. */
  function safeUrl(url) {
    try {
      const parsed = new URL(url, document.baseURI);
      return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
    } catch {
      return null;
    }
  }

  function sameTag(a, b) {
    return a.trim().toLowerCase() === b.trim().toLowerCase();
  }

  function hasTag(tag) {
    return state.tags.some((t) => sameTag(t, tag));
  }

  // ---------------------------------------------------------------- URL hash

  function searchParamsOf(s) {
    const params = new URLSearchParams();
    if (s.q.trim()) params.set('q', s.q.trim());
    for (const tag of s.tags) params.append('tag', tag);
    if (s.from) params.set('from', s.from);
    if (s.to) params.set('to', s.to);
    if (s.sort && s.sort !== 'relevance') params.set('sort', s.sort);
    return params;
  }

  function searchHash(s = state) {
    const params = searchParamsOf(s).toString();
    return params ? '#' + params : '';
  }

  function urlWithHash(hash) {
    return location.pathname + location.search + hash;
  }

  /** Records the current search in the URL without adding a history entry. */
  function replaceSearchHash() {
    const hash = searchHash();
    if (location.hash !== hash && !(hash === '' && location.hash === '#')) {
      history.replaceState(null, '', urlWithHash(hash));
    }
  }

  function parseSearch(params) {
    const sort = params.get('sort');
    return {
      q: params.get('q') || '',
      tags: params.getAll('tag').filter((t) => t.trim()),
      from: params.get('from') || '',
      to: params.get('to') || '',
      sort: sort === 'newest' || sort === 'oldest' ? sort : 'relevance',
    };
  }

  function parseHash() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ''));
    if (params.has('story')) return { story: params.get('story') };
    return { search: parseSearch(params) };
  }

  const SAVED_SEARCH = 'storyline.search';

  /** Keeps the last search for this tab, so a reloaded story page can go back to it. */
  function rememberSearch() {
    try {
      sessionStorage.setItem(SAVED_SEARCH, searchParamsOf(state).toString());
    } catch {
      // storage may be disabled
    }
  }

  function restoreSearch() {
    try {
      const saved = sessionStorage.getItem(SAVED_SEARCH);
      if (saved) Object.assign(state, parseSearch(new URLSearchParams(saved)));
    } catch {
      // storage may be disabled
    }
  }

  function route() {
    const parsed = parseHash();
    if (parsed.story) {
      if (shownKey === null && !searchSeq) {
        // opened (or reloaded) straight on a story: "back to results" returns to the last search
        restoreSearch();
        syncInputs();
      }
      showStory(parsed.story);
    } else {
      Object.assign(state, parsed.search);
      syncInputs();
      showSearchView();
      if (searchKey() !== shownKey) runSearch();
    }
  }

  // ---------------------------------------------------------------- search

  function searchKey() {
    return searchParamsOf(state).toString();
  }

  function isBlankSearch() {
    return !state.q.trim() && state.tags.length === 0 && !state.from && !state.to;
  }

  function syncInputs() {
    if (els.q.value !== state.q) els.q.value = state.q;
    els.from.value = state.from;
    els.to.value = state.to;
    els.sort.value = state.sort;
    renderActiveFilters();
  }

  function scheduleSearch() {
    clearTimeout(debounceTimer);
    debounceTimer = setTimeout(() => runSearch(), DEBOUNCE_MS);
  }

  /** Runs the current search (or, with `append`, fetches its next page). */
  async function runSearch(append = false) {
    clearTimeout(debounceTimer);
    const seq = ++searchSeq;
    if (searchController) searchController.abort();
    const controller = new AbortController();
    searchController = controller;

    const key = searchKey();
    if (append && key !== shownKey) append = false; // the search changed: start again
    const blank = isBlankSearch();
    rememberSearch();
    const words = state.q.trim();
    const params = new URLSearchParams();
    params.set('q', state.q.trim());
    for (const tag of state.tags) params.append('tag', tag);
    if (state.from) params.set('from', state.from);
    if (state.to) params.set('to', state.to);
    // Without words there is nothing to rank by relevance: list the newest stories.
    const sort = !state.q.trim() && state.sort === 'relevance' ? 'newest' : state.sort;
    if (sort !== 'relevance') params.set('sort', sort);
    params.set('limit', String(PAGE_SIZE));
    params.set('offset', String(append ? shownCount : 0));
    if (!append) params.set('facets', 'true');

    els.results.setAttribute('aria-busy', 'true');
    els.more.disabled = true;
    try {
      const data = await getJSON(apiUrl('search', params), controller.signal);
      if (seq !== searchSeq) return; // a newer search has started
      hideError();
      renderResults(data, append, blank, words);
      if (!append) renderFacets(data.facets);
      shownKey = key;
    } catch (err) {
      if (isAbort(err) || seq !== searchSeq) return;
      if (blank && !append) {
        // The landing page is a courtesy: a server that wants words gets a hint instead.
        clearResults();
        els.total.textContent = 'Type to search the archive.';
        shownKey = key;
      } else {
        showError(err.message);
      }
    } finally {
      if (seq === searchSeq) {
        els.results.removeAttribute('aria-busy');
        els.more.disabled = false;
      }
    }
  }

  function clearResults() {
    els.results.replaceChildren();
    els.total.textContent = '';
    els.took.textContent = '';
    els.relaxed.hidden = true;
    showNotices([]);
    showDidYouMean(null);
    els.more.hidden = true;
    els.facets.hidden = true;
    shownCount = 0;
    shownTotal = 0;
  }

  function showError(message) {
    els.error.textContent = message;
    els.error.hidden = false;
    els.results.replaceChildren();
    delete els.results.dataset.query;
    els.total.textContent = 'Search failed.';
    els.took.textContent = '';
    els.more.hidden = true;
    els.relaxed.hidden = true;
    showNotices([]);
    showDidYouMean(null);
    els.facets.hidden = true;
    shownKey = null;
  }

  // what the server read otherwise than typed (a date that is not one, a tag no story carries)
  function showNotices(notices) {
    const items = (Array.isArray(notices) ? notices : []).map((text) => el('li', null, text));
    els.notices.replaceChildren(...items);
    els.notices.hidden = items.length === 0;
  }

  // the query with a misspelt tag replaced by the one most likely meant: one click runs it
  function showDidYouMean(query) {
    const shown = typeof query === 'string' && query.trim() !== '';
    els.didYouMeanQuery.textContent = shown ? query.trim() : '';
    els.didYouMean.hidden = !shown;
  }

  function hideError() {
    els.error.hidden = true;
    els.error.textContent = '';
  }

  function renderResults(data, append, blank, words) {
    const hits = Array.isArray(data.hits) ? data.hits : [];
    const total = Number.isFinite(data.total) ? data.total : hits.length;
    if (!append) {
      els.results.replaceChildren();
      shownCount = 0;
    }
    const fragment = document.createDocumentFragment();
    for (const hit of hits) fragment.append(renderHit(hit));
    els.results.append(fragment);
    // the words these results are for (tests wait on it; stale lists never carry the new words)
    els.results.dataset.query = words;
    shownCount += hits.length;
    shownTotal = total;

    if (total === 0) {
      els.total.textContent = 'No stories found';
    } else if (blank) {
      els.total.textContent = `${plural(total, 'story', 'stories')} in the archive, newest first`;
    } else {
      els.total.textContent = `${plural(total, 'story', 'stories')} found`;
    }
    els.took.textContent = typeof data.took_ms === 'number' ? ` in ${data.took_ms.toFixed(1)} ms` : '';
    els.relaxed.hidden = !data.relaxed;
    if (!append) {
      showNotices(data.notices);
      showDidYouMean(data.did_you_mean);
    }
    els.more.hidden = shownCount >= total || hits.length === 0;
    if (!els.more.hidden) {
      els.more.textContent = `More results (${(total - shownCount).toLocaleString('en')} left)`;
    }
  }

  function renderHit(hit) {
    const title = hit.title || {};
    const snippet = hit.snippet || {};
    const lang = langOf(hit.language, title.text);

    const item = el('li', 'hit');
    item.lang = lang;
    item.dataset.id = hit.id;

    const heading = el('h2', 'hit-heading');
    const link = el('a', 'hit-title');
    link.href = storyHref(hit.id);
    link.append(highlighted(title.text || hit.id, title.highlights));
    link.addEventListener('click', () => {
      lastOpenedId = hit.id;
      resultsScrollY = window.scrollY;
    });
    heading.append(link);

    const meta = el('p', 'meta');
    meta.append(timeEl(hit.date, 'date'));
    item.append(heading, meta);

    if (Array.isArray(hit.tags) && hit.tags.length) {
      item.append(tagChips(hit.tags, 'filter', undefined, hit.matched_tags || []));
    }
    if (snippet.text && snippet.text !== title.text) {
      const p = el('p', 'snippet');
      p.append(highlighted(snippet.text, snippet.highlights));
      item.append(p);
    }
    return item;
  }

  /**
   * Tag chips: buttons that add the tag as a filter (`mode` "filter") or start a search for the
   * tag (`mode` "search", from the story view). Tags in `matched` (whose names hold a word of
   * the query) are marked as matched words are.
   */
  function tagChips(tags, mode, label, matched = []) {
    const list = el('ul', 'chips tags');
    if (label) list.setAttribute('aria-label', label);
    for (const tag of tags) {
      const li = el('li');
      const button = el('button', 'chip tag', tag);
      button.type = 'button';
      button.dataset.tag = tag;
      if (matched.includes(tag)) {
        button.classList.add('matched');
        button.setAttribute('aria-description', 'matches the search');
      }
      if (mode === 'filter') {
        button.title = `Only stories tagged “${tag}”`;
        if (hasTag(tag)) button.classList.add('active');
      } else {
        button.title = `All stories tagged “${tag}”`;
      }
      button.addEventListener('click', () => (mode === 'filter' ? addTag(tag) : searchTag(tag)));
      li.append(button);
      list.append(li);
    }
    return list;
  }

  // ---------------------------------------------------------------- filters

  function addTag(tag) {
    tag = tag.trim();
    if (!tag) return;
    if (!hasTag(tag)) state.tags.push(tag);
    filtersChanged();
  }

  function removeTag(tag) {
    state.tags = state.tags.filter((t) => !sameTag(t, tag));
    filtersChanged();
  }

  function toggleTag(tag) {
    if (hasTag(tag)) removeTag(tag);
    else addTag(tag);
  }

  /** From the story view: all stories with this tag, newest first. */
  function searchTag(tag) {
    Object.assign(state, { q: '', tags: [tag], from: '', to: '', sort: 'newest' });
    location.hash = searchHash();
  }

  function filtersChanged() {
    renderActiveFilters();
    if (currentStoryId) {
      location.hash = searchHash(); // leaves the story view
      return;
    }
    replaceSearchHash();
    runSearch();
  }

  function renderActiveFilters() {
    const chips = [];
    const chip = (text, label, onRemove) => {
      const li = el('li');
      const button = el('button', 'chip removable');
      button.type = 'button';
      button.setAttribute('aria-label', label);
      button.append(el('span', null, text), el('span', 'x', '×'));
      button.querySelector('.x').setAttribute('aria-hidden', 'true');
      button.addEventListener('click', () => {
        onRemove();
        // keep keyboard users in the filter bar, or bring them back to the search box
        const next = els.activeChips.querySelector('button') || els.q;
        next.focus();
      });
      li.append(button);
      chips.push(li);
    };
    for (const tag of state.tags) {
      const li = chips.length;
      chip(tag, `Remove tag filter ${tag}`, () => removeTag(tag));
      chips[li].lang = langOf(null, tag);
    }
    if (state.from) chip(`from ${state.from}`, `Remove start date ${state.from}`, () => { state.from = ''; els.from.value = ''; filtersChanged(); });
    if (state.to) chip(`to ${state.to}`, `Remove end date ${state.to}`, () => { state.to = ''; els.to.value = ''; filtersChanged(); });
    els.activeChips.replaceChildren(...chips);
    els.activeFilters.hidden = chips.length === 0;
  }

  function renderFacets(facets) {
    const tags = facets && Array.isArray(facets.tags) ? facets.tags : [];
    const months = facets && Array.isArray(facets.months) ? facets.months : [];
    els.facets.hidden = tags.length === 0 && months.length === 0;

    els.facetTags.replaceChildren(...tags.slice(0, TOP_TAGS).map((facet) => {
      const li = el('li');
      li.lang = langOf(null, facet.tag);
      const button = el('button', 'facet-tag');
      button.type = 'button';
      const active = hasTag(facet.tag);
      button.setAttribute('aria-pressed', String(active));
      button.append(el('span', 'facet-name', facet.tag), el('span', 'count', (facet.count ?? 0).toLocaleString('en')));
      button.setAttribute('aria-label', `${facet.tag}, ${plural(facet.count ?? 0, 'story', 'stories')}${active ? ', filtering' : ''}`);
      button.addEventListener('click', () => toggleTag(facet.tag));
      li.append(button);
      return li;
    }));
    els.facetTags.parentElement.hidden = tags.length === 0;

    // one bar per month; long spans are folded into years
    let bars = months
      .filter((m) => m && typeof m.month === 'string')
      .map((m) => ({ label: m.month, count: m.count || 0 }))
      .sort((a, b) => a.label.localeCompare(b.label));
    let period = 'month';
    if (bars.length > MAX_MONTH_BARS) {
      const years = new Map();
      for (const bar of bars) {
        const year = bar.label.slice(0, 4);
        years.set(year, (years.get(year) || 0) + bar.count);
      }
      bars = [...years].map(([label, count]) => ({ label, count }));
      period = 'year';
    }
    els.facetPeriod.textContent = period;
    const max = Math.max(1, ...bars.map((b) => b.count));
    els.facetMonths.replaceChildren(...bars.map((bar) => {
      const li = el('li');
      const button = el('button', 'bar-row');
      button.type = 'button';
      button.setAttribute('aria-label', `${bar.label}: ${plural(bar.count, 'story', 'stories')}; show only this ${period}`);
      const track = el('span', 'bar-track');
      const fill = el('span', 'bar');
      fill.style.width = `${Math.max(2, (100 * bar.count) / max)}%`;
      track.append(fill);
      button.append(el('span', 'bar-label', bar.label), track, el('span', 'count', bar.count.toLocaleString('en')));
      button.addEventListener('click', () => selectPeriod(bar.label));
      li.append(button);
      return li;
    }));
    els.facetMonths.parentElement.hidden = bars.length === 0;
  }

  /** Sets the date filter to a month ("2017-12") or a year ("2017"). */
  function selectPeriod(label) {
    const [y, m] = label.split('-').map(Number);
    const pad = (n) => String(n).padStart(2, '0');
    if (m) {
      const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
      state.from = `${y}-${pad(m)}-01`;
      state.to = `${y}-${pad(m)}-${pad(last)}`;
    } else {
      state.from = `${y}-01-01`;
      state.to = `${y}-12-31`;
    }
    els.from.value = state.from;
    els.to.value = state.to;
    filtersChanged();
  }

  /** Tag autocomplete for the "Add tag filter" box, from /tags?prefix=. */
  async function suggestTags() {
    const prefix = els.tagInput.value.trim();
    const seq = ++tagSeq;
    if (tagController) tagController.abort();
    if (!prefix) {
      els.tagSuggestions.replaceChildren();
      return;
    }
    tagController = new AbortController();
    try {
      const data = await getJSON(apiUrl('tags', new URLSearchParams({ prefix, limit: '10' })), tagController.signal);
      if (seq !== tagSeq) return;
      const tags = Array.isArray(data.tags) ? data.tags : [];
      els.tagSuggestions.replaceChildren(...tags.map((t) => {
        const option = el('option');
        option.value = t.tag;
        option.label = `${t.tag} (${plural(t.stories ?? 0, 'story', 'stories')})`;
        return option;
      }));
    } catch {
      // suggestions are optional
    }
  }

  // ---------------------------------------------------------------- views

  function showSearchView() {
    const wasStory = !els.story.hidden;
    currentStoryId = null;
    storySeq++;
    if (storyController) storyController.abort();
    if (relatedController) relatedController.abort();
    els.story.hidden = true;
    els.searchView.hidden = false;
    document.body.classList.remove('story-open');
    document.title = state.q.trim() ? `${state.q.trim()} – Storyline` : 'Storyline';
    if (wasStory) {
      // back from a story: restore the scroll position and focus its link in the results
      const link = lastOpenedId
        ? [...els.results.querySelectorAll('.hit')].find((li) => li.dataset.id === lastOpenedId)
        : null;
      window.scrollTo(0, resultsScrollY);
      if (link) link.querySelector('.hit-title').focus({ preventScroll: true });
    }
  }

  function backToResults() {
    location.hash = searchHash() || '#';
  }

  async function showStory(id) {
    const seq = ++storySeq;
    if (storyController) storyController.abort();
    if (relatedController) relatedController.abort();
    const controller = new AbortController();
    storyController = controller;
    relatedController = new AbortController();
    currentStoryId = id;

    els.searchView.hidden = true;
    els.story.hidden = false;
    document.body.classList.add('story-open');
    els.storyError.hidden = true;
    els.storyBody.hidden = false;
    els.storyBody.setAttribute('aria-busy', 'true');
    els.storyTitle.textContent = 'Loading…';
    els.storyTitle.removeAttribute('lang');
    for (const node of [els.storyDate, els.storyCategory, els.storyTags, els.storySummary, els.storySources, els.storyVersions, els.related]) {
      node.replaceChildren();
    }
    els.storySourcesSection.hidden = true;
    els.storyVersionsSection.hidden = true;
    els.relatedStatus.textContent = '';
    window.scrollTo(0, 0);
    els.storyTitle.focus({ preventScroll: true });

    const storyPromise = getJSON(`stories/${encodeURIComponent(id)}`, controller.signal);
    // the Related list waits for the story (its dates are shown relative to the story's)
    const storyDate = storyPromise.then((story) => story.date || null, () => null);
    const relatedPromise = loadRelated(id, seq, relatedController.signal, storyDate);
    try {
      const story = await storyPromise;
      if (seq !== storySeq) return;
      renderStory(story);
    } catch (err) {
      if (isAbort(err) || seq !== storySeq) return;
      els.storyBody.hidden = true;
      els.storyError.textContent = err.message;
      els.storyError.hidden = false;
      document.title = 'Story not found – Storyline';
      els.back.focus();
    } finally {
      if (seq === storySeq) els.storyBody.removeAttribute('aria-busy');
    }
    await relatedPromise;
  }

  function renderStory(story) {
    const lang = langOf(story.language, story.title);
    els.storyBody.lang = lang;
    els.storyTitle.textContent = story.title || story.id;
    document.title = `${story.title || story.id} – Storyline`;
    els.storyDate.textContent = story.date || '';
    els.storyDate.dateTime = story.date || '';
    els.storyCategory.textContent = story.category ? ` · ${story.category}` : '';

    const tags = Array.isArray(story.contexts) ? story.contexts : [];
    els.storyTags.replaceChildren(...tagChips(tags, 'search').children);

    const paragraphs = (story.summary || '').split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
    els.storySummary.replaceChildren(...paragraphs.map((p) => el('p', null, p)));

    const sources = Array.isArray(story.sources) ? story.sources : [];
    els.storySources.replaceChildren(...sources.map((source) => {
      const li = el('li');
      const href = source.url ? safeUrl(source.url) : null;
      if (href) {
        const a = el('a', null, source.name || href);
        a.href = href;
        a.rel = 'noopener noreferrer external';
        a.target = '_blank';
        li.append(a);
      } else {
        li.textContent = source.name || source.url || '';
      }
      return li;
    }));
    els.storySourcesSection.hidden = sources.length === 0;

    const versions = Array.isArray(story.versions) ? story.versions : [];
    els.storyVersions.replaceChildren(...versions.map((v) => {
      const li = el('li', v.current ? 'current' : null);
      if (v.timestamp) li.append(el('span', 'timestamp', v.timestamp), document.createTextNode(' '));
      li.append(el('span', null, v.title || ''));
      if (v.current) li.append(el('span', 'badge', 'current'));
      return li;
    }));
    els.storyVersionsSection.hidden = versions.length < 2;
  }

  async function loadRelated(id, seq, signal, storyDatePromise) {
    const params = new URLSearchParams({ explain: 'true', limit: String(RELATED_LIMIT) });
    if (els.relatedOrder.value === 'site') params.set('order', 'site');
    els.related.setAttribute('aria-busy', 'true');
    els.relatedStatus.textContent = 'Loading related stories…';
    try {
      const data = await getJSON(apiUrl(`stories/${encodeURIComponent(id)}/related`, params), signal);
      const storyDate = await storyDatePromise;
      if (seq !== storySeq || signal.aborted) return;
      const entries = Array.isArray(data.related) ? data.related : [];
      els.related.replaceChildren(...entries.map((entry) => renderRelated(entry, storyDate)));
      // what the list stands on: the story's tags, a suggested tag, or its text
      const basis = data.basis && typeof data.basis.description === 'string' ? `, ${data.basis.description}` : '';
      els.relatedStatus.textContent = entries.length
        ? `${plural(entries.length, 'related story', 'related stories')}${basis}`
        : 'No related stories.';
    } catch (err) {
      if (isAbort(err) || seq !== storySeq || signal.aborted) return;
      els.relatedStatus.textContent = `Related stories could not be loaded: ${err.message}`;
    } finally {
      if (seq === storySeq && !signal.aborted) els.related.removeAttribute('aria-busy');
    }
  }

  function renderRelated(entry, storyDate) {
    const li = el('li', 'related-item');
    li.lang = langOf(entry.language, entry.title);
    li.dataset.id = entry.id;

    const head = el('p', 'related-head-line');
    head.append(timeEl(entry.date, 'date'), document.createTextNode(' '));
    const link = el('a', 'related-title', entry.title || entry.id);
    link.href = storyHref(entry.id);
    head.append(link);
    li.append(head);

    const shared = Array.isArray(entry.shared_tags) ? entry.shared_tags : [];
    if (shared.length) li.append(tagChips(shared, 'search', 'Shared tags'));

    if (entry.explanation) {
      const why = el('p', 'why', explanationLine(entry.explanation, storyDate, entry.date));
      why.lang = 'en';
      li.append(why);
    }
    return li;
  }

  /** "tags 0.82 [Thomas Fire (12.3)] · text 0.21 · 3 days earlier · decay 0.91" */
  function explanationLine(e, storyDate, relatedDate) {
    const parts = [];
    const shared = Array.isArray(e.shared_tags) ? e.shared_tags : [];
    let tags = `tags ${fixed(e.tag_share)}`;
    if (shared.length) {
      tags += ` [${shared.map((t) => `${t.tag} (${fixed(t.weight, 1)})`).join(', ')}]`;
    }
    if (e.suggested_tags) tags += ' (suggested)';
    parts.push(tags);
    if (typeof e.text_similarity === 'number') parts.push(`text ${fixed(e.text_similarity)}`);
    let days = typeof e.days_apart === 'number' ? Math.abs(Math.round(e.days_apart)) : null;
    let direction = '';
    const gap = storyDate && relatedDate ? daysBetween(storyDate, relatedDate) : null;
    if (gap != null) {
      days = Math.abs(gap);
      direction = gap < 0 ? ' earlier' : gap > 0 ? ' later' : '';
    }
    if (days != null) parts.push(days === 0 ? 'same day' : `${plural(days, 'day', 'days')}${direction}`);
    if (typeof e.date_factor === 'number') parts.push(`decay ${fixed(e.date_factor)}`);
    return parts.join(' · ');
  }

  // ---------------------------------------------------------------- keyboard

  /** Moves focus among the links of `selector` by `step`; returns whether it moved. */
  function moveFocus(selector, step) {
    const links = [...document.querySelectorAll(selector)].filter((a) => a.offsetParent !== null);
    if (!links.length) return false;
    const index = links.indexOf(document.activeElement);
    if (index === -1 && step < 0) return false;
    const next = index === -1 ? 0 : index + step;
    if (next < 0) {
      els.q.focus();
      return true;
    }
    if (next >= links.length) return false;
    links[next].focus();
    return true;
  }

  function isTyping(target) {
    return target instanceof HTMLElement
      && (target.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName));
  }

  document.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return;
    const target = event.target;
    if (event.key === '/' && !isTyping(target)) {
      event.preventDefault();
      els.q.focus();
      els.q.select();
      return;
    }
    if (event.key === 'Escape' && !els.story.hidden && !isTyping(target)) {
      event.preventDefault();
      backToResults();
      return;
    }
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      const step = event.key === 'ArrowDown' ? 1 : -1;
      const inResults = target instanceof Element && target.closest('#results');
      const inRelated = target instanceof Element && target.closest('#related');
      if (target === els.q && step > 0 && !els.searchView.hidden) {
        if (moveFocus('#results .hit-title', 1)) event.preventDefault();
      } else if (inResults && target.matches('.hit-title')) {
        if (moveFocus('#results .hit-title', step)) event.preventDefault();
      } else if (inRelated && target.matches('.related-title')) {
        if (moveFocus('#related .related-title', step)) event.preventDefault();
      }
    }
  });

  // ---------------------------------------------------------------- wiring

  els.q.addEventListener('input', () => {
    state.q = els.q.value;
    if (currentStoryId) {
      // typing while a story is open goes back to the results (a new history entry)
      history.pushState(null, '', urlWithHash(searchHash() || '#'));
      showSearchView();
    } else {
      replaceSearchHash();
    }
    document.title = state.q.trim() ? `${state.q.trim()} – Storyline` : 'Storyline';
    scheduleSearch();
  });

  els.didYouMeanQuery.addEventListener('click', () => {
    els.q.value = `${els.didYouMeanQuery.textContent} `;
    els.q.dispatchEvent(new Event('input', { bubbles: true }));
    els.q.focus();
  });

  els.form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (document.activeElement === els.tagInput) {
      commitTagInput();
      return;
    }
    state.q = els.q.value;
    if (currentStoryId) {
      location.hash = searchHash() || '#';
      return;
    }
    replaceSearchHash();
    runSearch();
  });

  function commitTagInput() {
    let tag = els.tagInput.value.trim();
    if (!tag) return;
    // a half-typed name takes the best suggestion for it ("bre" → "Brexit")
    const options = [...els.tagSuggestions.options].map((o) => o.value);
    if (!options.some((o) => sameTag(o, tag))) {
      const best = options.find((o) => o.toLowerCase().startsWith(tag.toLowerCase()));
      if (best) tag = best;
    }
    els.tagInput.value = '';
    els.tagSuggestions.replaceChildren();
    addTag(tag);
  }

  els.tagInput.addEventListener('input', (event) => {
    clearTimeout(tagTimer);
    // picking a suggestion from the list adds it at once
    if (event.inputType === 'insertReplacementText' || event.inputType === undefined) {
      const value = els.tagInput.value.trim();
      if ([...els.tagSuggestions.options].some((o) => o.value === value)) {
        commitTagInput();
        return;
      }
    }
    tagTimer = setTimeout(suggestTags, DEBOUNCE_MS);
  });

  els.from.addEventListener('change', () => {
    state.from = els.from.value;
    filtersChanged();
  });
  els.to.addEventListener('change', () => {
    state.to = els.to.value;
    filtersChanged();
  });
  els.sort.addEventListener('change', () => {
    state.sort = els.sort.value;
    filtersChanged();
  });
  els.clearFilters.addEventListener('click', () => {
    state.tags = [];
    state.from = '';
    state.to = '';
    els.from.value = '';
    els.to.value = '';
    filtersChanged();
    els.q.focus();
  });
  els.more.addEventListener('click', () => {
    const first = shownCount;
    runSearch(true).then(() => {
      // keyboard users continue at the first new result
      const next = els.results.querySelectorAll('.hit-title')[first];
      if (next && document.activeElement === els.more) next.focus();
    });
  });
  els.back.addEventListener('click', backToResults);
  els.home.addEventListener('click', (event) => {
    event.preventDefault();
    Object.assign(state, { q: '', tags: [], from: '', to: '', sort: 'relevance' });
    if (location.hash && location.hash !== '#') location.hash = '#';
    else route();
    els.q.focus();
  });
  els.relatedOrder.addEventListener('change', () => {
    if (!currentStoryId) return;
    if (relatedController) relatedController.abort();
    relatedController = new AbortController();
    els.related.replaceChildren();
    loadRelated(currentStoryId, storySeq, relatedController.signal, Promise.resolve(els.storyDate.dateTime || null));
  });

  window.addEventListener('hashchange', route);
  route();
  if (!parseHash().story && !els.q.value) els.q.focus();
})();
