#!/usr/bin/env python3
"""Hugo's related content as a peer of `storyline bench --peers`: every page's Related list.

Turns the stories the bench wrote (JSON Lines: id, date, title, summary, contexts, ...) into a
Hugo site, one page per story (content/s/NNNNNN.md, JSON front matter: title, date, tags = the
story's contexts, storyid; the summary as the body), configured with Hugo's `related` settings
(indices: tags, weight 100, lower-cased; date, weight 10; threshold 80; newer pages included,
as Storyline's lists include them). The only template is the single-page one, and it renders
only the related list:

    <ul>{{ range first 10 (.Site.RegularPages.Related .) }}
    <li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}
    </ul>

Every other kind of page (home, sections, taxonomies and terms, RSS, sitemap, robots.txt, 404)
is disabled, so a build renders exactly one related list per story and nothing else; pages
are written as s/NNNNNN.html (uglyURLs: a file per story, not a folder per story).

What is timed: the whole `hugo` process (start, reading the content, building the related
index, rendering and writing one page per story into the destination folder), wall time, the
median of --runs builds, each into a new destination folder. Writing the site's source files is
not timed; with --reuse-site a site already written from the same stories file (same path, size
and modification time) is built again as it is, so a caller can alternate single builds with
its own runs (`storyline bench --peers` does: builds and batches side by side, so a drift of
the machine's speed moves both). For context, the same site is also built with a template that renders the title
only (no Related call): the difference is what the related lists cost inside Hugo.

Installs Hugo with `apt-get install -y hugo` when `hugo` is missing (root needed); exits 3 with
the reason on standard error when it cannot. Prints one JSON object on standard output.
Run: python3 benches/peers/hugo_related.py --stories S.jsonl --work DIR [--runs 3] [--reuse-site]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

CONFIG = """\
baseURL = "/"
title = "storyline peer"
disableKinds = ["home", "section", "taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
buildFuture = true
buildExpired = true
buildDrafts = false
enableRobotsTXT = false
disableHugoGeneratorInject = true
uglyURLs = true

[related]
includeNewer = true
threshold = 80
toLower = true

[[related.indices]]
name = "tags"
weight = 100
toLower = true

[[related.indices]]
name = "date"
weight = 10
"""

RELATED_TEMPLATE = (
    '<ul>{{ range first 10 (.Site.RegularPages.Related .) }}\n'
    '<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}\n</ul>\n'
)
BARE_TEMPLATE = "{{ .Title }}\n"
# in the site folder: which stories file the site was written from, and its page count
STAMP = "storyline-source.txt"


def ensure_hugo():
    """The hugo binary, installed from Debian's packages when missing; None and a reason."""
    hugo = shutil.which("hugo")
    if hugo:
        return hugo, None
    if shutil.which("apt-get") is None:
        return None, "hugo is not installed and there is no apt-get to install it"
    print("hugo_related: hugo missing, running apt-get install -y hugo", file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (
        ["apt-get", "install", "-y", "-qq", "hugo"],
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "hugo"],
    ):
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if command[1] == "install" and done.returncode == 0:
            break
    hugo = shutil.which("hugo")
    if hugo:
        return hugo, None
    reason = (done.stderr or done.stdout).strip().splitlines()
    return None, "apt-get install hugo failed: " + (reason[-1] if reason else "no message")


def write_site(stories_path, site):
    """The Hugo site of the stories; returns the number of pages."""
    if os.path.exists(site):
        shutil.rmtree(site)
    content = os.path.join(site, "content", "s")
    os.makedirs(content)
    for name, template in (("layouts", RELATED_TEMPLATE), ("layouts-bare", BARE_TEMPLATE)):
        folder = os.path.join(site, name, "_default")
        os.makedirs(folder)
        with open(os.path.join(folder, "single.html"), "w", encoding="utf-8") as f:
            f.write(template)
    with open(os.path.join(site, "hugo.toml"), "w", encoding="utf-8") as f:
        f.write(CONFIG)
    pages = 0
    with open(stories_path, encoding="utf-8") as f:
        for line in f:
            story = json.loads(line)
            front = {
                "title": story["title"],
                "date": story["date"],
                "tags": story.get("contexts", []),
                "storyid": story["id"],
            }
            path = os.path.join(content, f"{pages:06d}.md")
            with open(path, "w", encoding="utf-8") as page:
                page.write(json.dumps(front, ensure_ascii=False))
                page.write("\n\n")
                page.write(story.get("summary", ""))
                page.write("\n")
            pages += 1
    # written last: a site cut short has no stamp and is written again
    with open(os.path.join(site, STAMP), "w", encoding="utf-8") as f:
        f.write(f"{source_stamp(stories_path)}pages {pages}")
    return pages


def source_stamp(stories_path):
    """What identifies the stories file a site was written from."""
    info = os.stat(stories_path)
    return f"{os.path.abspath(stories_path)}\n{info.st_size}\n{info.st_mtime_ns}\n"


def reusable_pages(stories_path, site):
    """The page count of a site written from this very stories file, else None."""
    try:
        with open(os.path.join(site, STAMP), encoding="utf-8") as f:
            stamp, pages = f.read().rsplit("pages ", 1)
    except (OSError, ValueError):
        return None
    if stamp != source_stamp(stories_path):
        return None
    return int(pages)


def build(hugo, site, layouts, runs):
    """Median wall time of `runs` whole hugo builds with the given layout folder, each into a
    new destination folder; the last one is kept as `public`."""
    destination = os.path.join(site, "public")
    times = []
    for _ in range(runs):
        if os.path.exists(destination):
            # kept aside, not deleted: its deletion is no part of a build (nor of this wait)
            kept = 0
            while os.path.exists(os.path.join(site, f"old-{layouts}-{kept}")):
                kept += 1
            os.rename(destination, os.path.join(site, f"old-{layouts}-{kept}"))
        command = [
            hugo, "--quiet", "--source", site, "--destination", destination,
            "--layoutDir", layouts, "--cacheDir", os.path.join(site, "cache"), "--noBuildLock",
        ]
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise RuntimeError(f"hugo failed: {(done.stderr or done.stdout).strip()}")
    return statistics.median(times), times


def related_lists(site):
    """Pages written and the average number of related entries on them."""
    pages = 0
    entries = 0
    empty = 0
    for root, _dirs, files in os.walk(os.path.join(site, "public")):
        for name in files:
            if name.endswith(".html"):
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    n = f.read().count("<a href=")
                pages += 1
                entries += n
                empty += n == 0
    return pages, entries / max(pages, 1), empty


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", required=True, help="the stories, JSON Lines")
    parser.add_argument("--work", required=True, help="folder for the site (replaced)")
    parser.add_argument("--runs", type=int, default=3, help="builds timed (median)")
    parser.add_argument(
        "--reuse-site",
        action="store_true",
        help="build the site already written from the same stories file instead of writing it",
    )
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    hugo, reason = ensure_hugo()
    if hugo is None:
        print(reason, file=sys.stderr)
        return 3
    version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.strip()
    stories = reusable_pages(args.stories, args.work) if args.reuse_site else None
    reused = stories is not None
    if not reused:
        stories = write_site(args.stories, args.work)
    try:
        bare_s, bare_runs = build(hugo, args.work, "layouts-bare", args.runs)
        build_s, build_runs = build(hugo, args.work, "layouts", args.runs)
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    pages, avg_related, empty = related_lists(args.work)
    if pages != stories:
        print(f"hugo_related: {stories} stories but {pages} pages written", file=sys.stderr)
    print(
        json.dumps(
            {
                "peer": "hugo",
                "version": version,
                "stories": stories,
                "pages": pages,
                "site_reused": reused,
                "build_s": build_s,
                "build_runs_s": build_runs,
                "build_norelated_s": bare_s,
                "build_norelated_runs_s": bare_runs,
                "stories_per_s": stories / build_s if build_s > 0 else 0.0,
                "avg_related": avg_related,
                "empty_lists": empty,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
