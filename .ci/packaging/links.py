"""Check the relative links of Markdown files: the target exists, and a `#anchor` names a heading
of the target the way GitHub makes heading ids.

usage: python links.py FILE.md...    prints each broken link; exit 1 if there is one.
"""

import os
import re
import sys

LINK = re.compile(r"(?<!\!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")


def strip_code(text):
    """The text without fenced code blocks (links and headings inside them do not count)."""
    out, fence = [], None
    for line in text.split("\n"):
        m = re.match(r"^\s*(```+|~~~+)", line)
        if m:
            if fence is None:
                fence = m.group(1)[0] * 3
            elif line.strip().startswith(fence):
                fence = None
            out.append("")
            continue
        out.append("" if fence else line)
    return "\n".join(out)


def slug(heading):
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link: its text
    text = text.lower()
    text = re.sub(r"[^\w\- ]", "", text)  # GitHub keeps letters, digits, _, - and spaces
    return text.replace(" ", "-")


def anchors(path):
    seen, result = {}, set()
    with open(path, encoding="utf-8") as f:
        for line in strip_code(f.read()).split("\n"):
            m = HEADING.match(line)
            if not m:
                continue
            base = slug(m.group(1))
            n = seen.get(base, 0)
            seen[base] = n + 1
            result.add(base if n == 0 else f"{base}-{n}")
    return result


def main():
    broken = checked = 0
    for md in sys.argv[1:]:
        with open(md, encoding="utf-8") as f:
            text = strip_code(f.read())
        text = re.sub(r"`[^`\n]*`", "", text)  # inline code is not a link
        for target in LINK.findall(text):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
                continue
            checked += 1
            path, _, anchor = target.partition("#")
            full = os.path.normpath(os.path.join(os.path.dirname(md), path)) if path else md
            if not os.path.exists(full):
                print(f"{md}: broken link {target}: {full} does not exist")
                broken += 1
            elif anchor and (os.path.isdir(full) or not full.endswith(".md")):
                print(f"{md}: broken link {target}: an anchor into a non-Markdown target")
                broken += 1
            elif anchor and anchor not in anchors(full):
                print(f"{md}: broken link {target}: no heading #{anchor} in {full}")
                broken += 1
    print(f"{checked} relative links checked, {broken} broken")
    sys.exit(1 if broken else 0)


if __name__ == "__main__":
    main()
