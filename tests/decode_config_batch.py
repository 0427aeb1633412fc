#!/usr/bin/env python3
"""Decode many .dmp files with decode-config's own code in one process (for the cross-check test).

Usage: decode_config_batch.py FILE.dmp...
Loads the installed decode-config.py (pip install decode-config==16.0.0.0) as a module and, for
each file, runs the steps its main program runs for `-s FILE --json-show-pw` (XOR, config info,
raw mapping, group mapping). Prints one JSON line per file:
{"file": ..., "exit": <decode-config exit code>, "json": <its JSON output or null>}.
Starting decode-config takes seconds; decoding one block in-process takes milliseconds, which
makes a check of every settings layout affordable.
"""
import contextlib
import importlib.util
import io
import json
import shutil
import sys

files = sys.argv[1:]
path = shutil.which("decode-config.py") or shutil.which("decode-config")
if path is None:
    sys.exit("decode-config.py not found on PATH (pip install decode-config==16.0.0.0)")
spec = importlib.util.spec_from_file_location("decode_config", path)
dc = importlib.util.module_from_spec(spec)
sys.argv = ["decode-config", "--json-show-pw", "--json-compact"]
spec.loader.exec_module(dc)
dc.ARGS = dc.parseargs()

for f in files:
    dc.EXIT_CODE = 0
    out = None
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            with open(f, "rb") as fp:
                encode = fp.read()
            cfg = {"encode": encode, "header": None}
            cfg["decode"] = dc.decrypt_encrypt(encode, has_header=False)
            cfg["info"] = dc.get_config_info(cfg["decode"])
            dc.CONFIG = cfg
            cfg["valuemapping"] = dc.bin2mapping(cfg, raw=True)
            cfg["groupmapping"] = dc.bin2mapping(cfg, raw=False)
            out = json.loads(
                dc.get_jsonstr(cfg["groupmapping"], dc.ARGS.jsonsort, dc.ARGS.jsonindent, True)
            )
    except SystemExit as e:
        dc.EXIT_CODE = e.code if isinstance(e.code, int) else 1
    print(json.dumps({"file": f, "exit": dc.EXIT_CODE, "stderr": err.getvalue(), "json": out}))
