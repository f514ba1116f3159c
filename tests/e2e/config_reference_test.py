#!/usr/bin/python3
"""docs/configuration.md is exactly what `kizashi config reference --markdown` prints, so the
committed reference cannot drift from the keys declared in the code.

Usage: config_reference_test.py KIZASHI_BINARY SOURCE_DIR"""
import difflib
import os
import subprocess
import sys

kizashi, source = sys.argv[1], sys.argv[2]
generated = subprocess.run([kizashi, "config", "reference", "--markdown"], capture_output=True,
                           text=True, check=True).stdout
with open(os.path.join(source, "docs/configuration.md"), encoding="utf-8") as f:
    committed = f.read()
if generated != committed:
    sys.stdout.writelines(difflib.unified_diff(committed.splitlines(True), generated.splitlines(True),
                                               "docs/configuration.md (committed)", "kizashi config reference --markdown"))
    print("\ndocs/configuration.md is stale; regenerate it with\n"
          "  build/engine/app/kizashi config reference --markdown > docs/configuration.md")
    sys.exit(1)
# Every key the code declares is in the document (a sanity check that the table is not empty).
keys = [l for l in generated.splitlines() if l.startswith("| `")]
assert len(keys) > 40, len(keys)
for key in ["metrics.address", "lifecycle.drain_timeout", "registry.paths", "state.dir"]:
    assert f"| `{key}` |" in generated, key
print(f"ok: {len(keys)} keys, docs/configuration.md is current")
