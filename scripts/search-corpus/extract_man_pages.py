#!/usr/bin/env python3
"""Extracts the search demo's corpus from Debian's `manpages-dev` package (the Linux man-pages project's
sections 2 and 3: system calls and library functions), as installed under /usr/share/man.

Each page is rendered to plain text by man(1) (groff), split into its sections (NAME, DESCRIPTION, ...) and
paragraphs; a passage is one paragraph of 12 words or more, titled `page(section) SECTION`. Output: a JSON list
of { id, title, text } (`demo-data/man-pages.json`). License: the Linux man-pages project's pages carry their own
notices, most the "Linux-man-pages-copyleft" (verbatim copying allowed); see
/usr/share/doc/manpages-dev/copyright. Needs `man` and `manpages-dev` (apt-get install man-db manpages-dev).

    python3 scripts/search-corpus/extract_man_pages.py --out demo-data/man-pages.json
"""
import argparse
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SECTIONS = ('2', '3')
MIN_WORDS = 12


def package_pages(package: str) -> list[Path]:
    listing = subprocess.run(['dpkg', '-L', package], check=True, capture_output=True, text=True).stdout.split()
    pattern = re.compile(r'^/usr/share/man/man(' + '|'.join(SECTIONS) + r')/[^/]+\.gz$')
    return sorted(Path(path) for path in listing if pattern.match(path) and not os.path.islink(path))


def render(page: Path) -> str:
    env = {**os.environ, 'MANWIDTH': '100', 'MAN_KEEP_FORMATTING': '0', 'LC_ALL': 'C.UTF-8'}
    out = subprocess.run(['man', '-l', '-P', 'cat', str(page)], capture_output=True, text=True, env=env).stdout
    return re.sub(r'.\x08', '', out)  # overstrike bold/underline


def passages(page: Path, text: str) -> list[dict]:
    name = page.name.removesuffix('.gz')
    stem, _, section = name.rpartition('.')
    found, heading, paragraph = [], '', []

    def flush():
        words = ' '.join(' '.join(paragraph).split())
        if len(words.split()) >= MIN_WORDS and heading not in ('SEE ALSO', 'COLOPHON'):
            found.append({'id': f'{stem}.{section}#{len(found)}', 'title': f'{stem}({section}) {heading.title()}', 'text': words})
        paragraph.clear()

    for line in text.splitlines()[1:]:
        if re.match(r'^[A-Z][A-Z0-9 ,/-]+$', line.strip()) and not line.startswith(' '):
            flush()
            heading = line.strip()
        elif line.strip() == '':
            flush()
        else:
            paragraph.append(line.strip())
    flush()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', required=True)
    parser.add_argument('--package', default='manpages-dev')
    args = parser.parse_args()
    pages = package_pages(args.package)
    with ThreadPoolExecutor(max_workers=2) as pool:
        texts = list(pool.map(render, pages))
    corpus = [passage for page, text in zip(pages, texts) for passage in passages(page, text)]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(corpus, ensure_ascii=False, separators=(',', ':')) + '\n')
    print(f'{len(pages)} pages -> {len(corpus)} passages -> {args.out}', file=sys.stderr)


if __name__ == '__main__':
    main()
