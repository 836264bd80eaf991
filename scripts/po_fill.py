"""Fill empty msgstr entries of the English catalogue from a JSON map {Chinese msgid: English}.

    python scripts/po_fill.py portal/locale/en/LC_MESSAGES/django.po translations.json
Existing translations are kept; msgids missing from the map stay empty (and show in Chinese).
"""

import json
import re
import sys


def unquote(lines):
    return "".join(json.loads(line) for line in lines)


def main(po_path, map_path):
    mapping = json.load(open(map_path, encoding="utf-8"))
    text = open(po_path, encoding="utf-8").read().replace("#, fuzzy\nmsgid \"\"\nmsgstr \"\"", "msgid \"\"\nmsgstr \"\"", 1)
    blocks = text.split("\n\n")
    out, filled = [], 0
    for block in blocks:
        m = re.search(r'^msgid ((?:".*"\n?)+)msgstr ""\s*$', block, re.M)
        if m and "msgid_plural" not in block:
            msgid = unquote([ln for ln in m.group(1).strip().split("\n")])
            if msgid and msgid in mapping:
                block = block[: m.start()] + "msgid " + m.group(1).rstrip("\n") + "\nmsgstr " + json.dumps(mapping[msgid], ensure_ascii=False)
                filled += 1
        out.append(block)
    open(po_path, "w", encoding="utf-8").write("\n\n".join(out))
    print(f"filled {filled} entries")


if __name__ == "__main__":
    main(*sys.argv[1:3])
