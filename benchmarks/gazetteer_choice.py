"""Which gazetteer package: what `vietnam-provinces` and `vietnamadminunits` ship, measured.

    .venv/bin/python benchmarks/gazetteer_choice.py

Prints, for each package: the units it holds (former 63-province system, 2025 34-province
system), whether the units the corpus names are there, whether it maps former units to current
ones, and the import time and memory of a fresh process; then how the two agree on the 2025 units;
then the same numbers for `ingest.gazetteer.load_gazetteer()` and the speed of `find()` on the
largest sample report. Everything is read offline from the installed packages.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Units the sample corpus and the issues name: (level, name, province before 2025, province after).
FORMER_UNITS = [
    ("thành phố", "Quy Nhơn", "Bình Định", "Gia Lai"),
    ("thành phố", "Hạ Long", "Quảng Ninh", "Quảng Ninh"),
    ("thành phố", "Cẩm Phả", "Quảng Ninh", "Quảng Ninh"),
    ("huyện", "Bình Sơn", "Quảng Ngãi", "Quảng Ngãi"),
    ("xã", "Tịnh An", "Quảng Ngãi", "Quảng Ngãi"),
    ("phường", "Quảng Minh", "Bắc Giang", "Bắc Ninh"),
]

# A fresh interpreter per measurement, so imports and caches of one do not help the other.
_MEASURE = """
import json, resource, sys, time, tracemalloc
sys.path.insert(0, {root!r})
trace = {trace!r}
if trace:
    tracemalloc.start()  # slows the code down several times: time is measured in another run
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
{code}
elapsed = time.perf_counter() - t0
current, peak = tracemalloc.get_traced_memory() if trace else (0, 0)
rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": elapsed, "python_heap_mb": current / 2**20, "peak_heap_mb": peak / 2**20,
                  "rss_growth_mb": (rss1 - rss0) / 1024}}))
"""


def _run(code: str, trace: bool) -> dict:
    script = _MEASURE.format(root=str(ROOT), code=code, trace=trace)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(code: str) -> dict:
    """Seconds and RSS growth from a plain run; Python heap from a traced one."""
    plain, traced = _run(code, trace=False), _run(code, trace=True)
    return {**plain, "python_heap_mb": traced["python_heap_mb"], "peak_heap_mb": traced["peak_heap_mb"]}


def fold(text: str) -> str:
    from ingest.normalize import strip_diacritics

    return strip_diacritics(text).strip()


def vietnam_provinces_report() -> None:
    from vietnam_provinces import Province, Ward, __data_version__, __version__

    provinces = list(Province.iter_all())
    wards = list(Ward.iter_all())
    names = {fold(w.name) for w in wards} | {fold(p.name) for p in provinces}
    print(f"vietnam-provinces {__version__} (data {__data_version__})")
    print(f"  2025 provinces: {len(provinces)}, 2025 communes/wards/special zones: {len(wards)}")
    print("  former (63-province) units: none; old -> new mapping: none")
    for level, name, _, _ in FORMER_UNITS:
        present = fold(f"{level} {name}") in names
        print(f"  {level} {name}: {'present' if present else 'absent'}")
    gia_lai = next(p for p in provinces if fold(p.name) == "gia lai")
    quy_nhon = [w.name for w in Ward.iter_by_province(gia_lai.code) if "quy nhon" in fold(w.name)]
    print(f"  wards of tỉnh Gia Lai named Quy Nhơn*: {quy_nhon}")
    cost = measure("from vietnam_provinces import Province, Ward; list(Ward.iter_all())")
    print(f"  import + all units: {cost['seconds']*1000:.0f} ms, Python heap {cost['python_heap_mb']:.1f} MB,"
          f" RSS +{cost['rss_growth_mb']:.0f} MB")


def vietnamadminunits_report() -> None:
    import sqlite3

    from ingest.lexicon import package_dir as _package_dir

    data = _package_dir("vietnamadminunits") / "data"
    with sqlite3.connect(f"file:{data / 'dataset.db'}?mode=ro", uri=True) as db:
        old_p = db.execute("SELECT COUNT(DISTINCT province) FROM admin_units_legacy").fetchone()[0]
        old_d = db.execute("SELECT COUNT(DISTINCT province || district) FROM admin_units_legacy").fetchone()[0]
        old_w = db.execute("SELECT COUNT(*) FROM admin_units_legacy WHERE ward IS NOT NULL").fetchone()[0]
        new_p = db.execute("SELECT COUNT(DISTINCT province) FROM admin_units").fetchone()[0]
        new_w = db.execute("SELECT COUNT(*) FROM admin_units").fetchone()[0]
        levels = sorted({r[0] for r in db.execute(
            "SELECT districtType FROM admin_units_legacy UNION SELECT wardType FROM admin_units_legacy"
            " UNION SELECT wardType FROM admin_units") if r[0]})
        rows = db.execute("SELECT province, district, ward FROM admin_units_legacy").fetchall()
    mapping = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))
    mapped = sum(len(v) for wards in mapping["DICT_PROVINCE_WARD_NO_DIVIDED"].values() for v in wards.values())
    divided = sum(len(v) for v in mapping["DICT_PROVINCE_WARD_DIVIDED"].values())
    print("vietnamadminunits 1.0.4 (one SQLite file + the 2025 conversion table)")
    print(f"  former provinces: {old_p}, districts: {old_d}, communes/wards/towns: {old_w}")
    print(f"  2025 provinces: {new_p}, 2025 communes/wards/special zones: {new_w}")
    print(f"  old -> new: {len(mapping['DICT_PROVINCE'])} new provinces from the old ones; {mapped} former"
          f" communes mapped whole, {divided} split between several new ones")
    print(f"  level words in the data: {levels}")
    names = {fold(f"{d}|{p}") for p, d, _ in rows} | {fold(f"{w}|{p}") for p, _, w in rows if w}
    for level, name, province, _ in FORMER_UNITS:
        present = any(key.startswith(fold(f"{level} {name}|")) and key.endswith(fold(province)) for key in names)
        print(f"  {level} {name} ({province}): {'present' if present else 'absent'}")
    cost = measure("import vietnamadminunits")
    print(f"  import of the package (its parser loads 3.6 MB of JSON, pulls geopy): {cost['seconds']*1000:.0f} ms,"
          f" Python heap {cost['python_heap_mb']:.1f} MB, RSS +{cost['rss_growth_mb']:.0f} MB")


def agreement() -> None:
    """Do the two packages name the same 2025 communes in the same provinces? (Folded, with spacing
    and apostrophes unified: the data of both has double spaces and "M’gar" against "M'gar".)"""
    import re
    import sqlite3

    from vietnam_provinces import Province, Ward

    from ingest.gazetteer import _split_full_name
    from ingest.lexicon import package_dir as _package_dir

    def key(ward: str, province: str) -> str:
        return re.sub(r"[\s'’-]+", " ", fold(f"{ward} | {_split_full_name(province)[1]}"))

    provinces = {p.code: p.name for p in Province.iter_all()}
    theirs = {key(w.name, provinces[w.province_code]) for w in Ward.iter_all()}
    data = _package_dir("vietnamadminunits") / "data"
    with sqlite3.connect(f"file:{data / 'dataset.db'}?mode=ro", uri=True) as db:
        ours = {key(w, p) for w, p in db.execute("SELECT ward, province FROM admin_units")}
    print(f"2025 (commune, province) pairs: vietnam-provinces {len(theirs)}, vietnamadminunits {len(ours)};"
          f" same (name, province) for {len(theirs & ours)}; only in vietnam-provinces:"
          f" {sorted(theirs - ours)[:5]}; only in vietnamadminunits: {sorted(ours - theirs)[:5]}")


def gazetteer_report() -> None:
    cost = measure("from ingest.gazetteer import load_gazetteer; g = load_gazetteer()")
    base = measure("import ingest.normalize, ingest.abbreviations")
    print("ingest.gazetteer.load_gazetteer() (vietnamadminunits data + pyvi word list, read as files)")
    print(f"  load: {cost['seconds']*1000:.0f} ms; Python heap {cost['python_heap_mb']:.1f} MB"
          f" (peak {cost['peak_heap_mb']:.1f} MB); RSS +{cost['rss_growth_mb'] - base['rss_growth_mb']:.0f} MB")
    from ingest.gazetteer import load_gazetteer
    from ingest.normalize import normalize_text

    gazetteer = load_gazetteer()
    current = [u for u in gazetteer.units if u.is_current]
    print(f"  units: {len(gazetteer.units)} ({len(current)} current after 1 July 2025);"
          f" current provinces: {len(gazetteer.current_provinces())}")
    for level, name, province, current_province in FORMER_UNITS:
        found = gazetteer.lookup(name, level=level, province=province)
        ok = bool(found) and found[0].current_province == current_province
        print(f"  lookup {level} {name}: {'ok' if ok else 'WRONG'}"
              f" -> {[(u.province, u.current_province, u.current_units[:3]) for u in found]}")
    largest = max((ROOT / "data" / "reports").glob("*.txt"), key=lambda p: p.stat().st_size)
    text = normalize_text(largest.read_text(encoding="utf-8"))
    gazetteer.find(text)  # warm the per-syllable caches as a running process would have them
    rounds = 5
    start = time.perf_counter()
    for _ in range(rounds):
        mentions = gazetteer.find(text)
    per_call = (time.perf_counter() - start) / rounds
    print(f"  find() on {largest.name} ({len(text.encode()) / 1024:.0f} KB): {per_call*1000:.0f} ms,"
          f" {len(mentions)} mentions")
    question = "cam pha nam 2020 co bao nhieu mo hinh dan van kheo"
    start = time.perf_counter()
    for _ in range(100):
        gazetteer.find(question)
    print(f"  find() on a question: {(time.perf_counter() - start) * 10:.2f} ms")


if __name__ == "__main__":
    vietnam_provinces_report()
    print()
    vietnamadminunits_report()
    print()
    agreement()
    print()
    gazetteer_report()
