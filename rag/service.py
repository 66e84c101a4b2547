"""`BaocaoService`: the Python API the CLI, the app and the evaluation use.

It opens the index once (embedding model, Chroma store, lexical index) and offers ingest, list,
remove, search and ask. Answering composes: follow-up resolution -> query analysis -> hybrid
retrieval -> an answerer (extractive by default, an LLM when configured, always verified).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from ingest.gazetteer import load_gazetteer
from ingest.periods import year_period
from rag.conversation import resolve_follow_up
from rag.evidence import AskedPeriod
from rag.report_selection import latest_reports, report_period, reports_for_period, series_reports
from rag.extractive import ExtractiveAnswerer, abstain
from rag.document_facts import signer_answer
from rag.query_analysis import AnalyzedQuery, LocalityGazetteer, analyze_query, reporting_years
from rag.figure_table import FigureTable, figure_rows
from rag.precedents import PrecedentFilters, PrecedentFinder, PrecedentResult
from rag.retrievers import HybridRetriever, QueryVectors, dense_query_text, hit_to_node, node_to_passage, round_robin
from rag.schema import Answer, AnswerProgress, DraftAnswer, Passage, QueryFilters
from rag.settings import BaocaoSettings
from vectorstore import (
    IngestLimits,
    IngestSummary,
    ReportEmbedding,
    ReportIndex,
    ReportIndexer,
    StoredReport,
    create_embedding,
    open_chroma_client,
    open_report_index,
)
from vectorstore.chroma_store import STATUS_COMPLETE


@dataclass(frozen=True)
class ReportCatalog:
    """The indexed reports and the places they are about: one snapshot serves a whole question.

    Built once per registry version (`BaocaoService.catalog`), with the look-ups a question needs
    precomputed, so that a filter costs in proportion to what it selects, not to the library."""

    reports: list[StoredReport]
    gazetteer: LocalityGazetteer
    version: str = ""
    report_ids: frozenset[str] = frozenset()
    by_reporting_year: dict[int, frozenset[str]] = field(default_factory=dict)
    by_year: dict[int, frozenset[str]] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)
    incomplete: tuple[StoredReport, ...] = ()

    @classmethod
    def of(cls, reports: list[StoredReport], version: str = "") -> ReportCatalog:
        by_reporting_year: dict[int, set[str]] = {}
        by_year: dict[int, set[str]] = {}
        for r in reports:
            for year in reporting_years(r.metadata):
                by_reporting_year.setdefault(year, set()).add(r.report_id)
            for year in r.metadata.years:
                by_year.setdefault(year, set()).add(r.report_id)
        return cls(reports, LocalityGazetteer([r.metadata for r in reports]), version,
                   frozenset(r.report_id for r in reports),
                   {y: frozenset(ids) for y, ids in by_reporting_year.items()},
                   {y: frozenset(ids) for y, ids in by_year.items()},
                   {r.report_id: i for i, r in enumerate(reports)},
                   tuple(r for r in reports if r.status != STATUS_COMPLETE))

    def reporting_in(self, years: Iterable[int]) -> set[str]:
        """Reports whose reporting period falls in one of `years` (not the years a plan is for)."""
        return {rid for year in years for rid in self.by_reporting_year.get(year, ())}

    def naming_years(self, years: Iterable[int]) -> set[str]:
        """Reports whose metadata names one of `years` (its period, or the years a plan is for)."""
        return {rid for year in years for rid in self.by_year.get(year, ())}

    def among(self, report_ids: Iterable[str]) -> list[StoredReport]:
        """The reports of `report_ids` that the catalog holds, in the catalog's order: a look-up per id,
        not a pass over the library."""
        found = sorted((self.positions[rid] for rid in report_ids if rid in self.positions))
        return [self.reports[i] for i in found]


class BaocaoService:
    def __init__(self, settings: BaocaoSettings | None = None) -> None:
        self.settings = settings or BaocaoSettings()
        self._catalog_cache: ReportCatalog | None = None
        # one thread embeds questions ahead of their dense search (rag.retrievers.QueryVectors)
        self._query_embedder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="baocao-query-embedding")

    @cached_property
    def embedding(self) -> ReportEmbedding:
        s = self.settings
        return create_embedding(s.embedding_backend, s.embedding_model, s.embedding_query_prefix,
                                s.embedding_passage_prefix)

    @cached_property
    def store(self) -> ReportIndex:
        """Chroma and the lexical index, owned together (vectorstore/report_index.py). A lexical side
        missing or far out of step is rebuilt in the background; `store.lexical_notice` says so."""
        s = self.settings
        client = open_chroma_client(s.db, s.chroma_host, s.chroma_port)
        location = f"{s.chroma_host}:{s.chroma_port}" if s.chroma_host else str(s.db)
        # the BM25 index lives beside the database folder, also in server mode (a local cache there)
        # embedded mode: the store reopens when another process has written (see vectorstore/chroma_store.py)
        reopen = None if s.chroma_host else (lambda: open_chroma_client(s.db, fresh=True))
        return open_report_index(client, self.embedding.identity(), location, s.db / "lexical", reopen=reopen)

    @cached_property
    def llm(self):
        """The configured LLM (llama-index), or None for extractive answers only.

        Raises `LLMConfigError` (a ValueError with a Vietnamese message) on bad settings. Imported
        lazily: loading the llama-index LLM backends takes seconds and most runs use none."""
        from rag.llm import create_llm

        return create_llm(self.settings) if self.settings.llm != "none" else None

    @cached_property
    def extractive(self) -> ExtractiveAnswerer:
        def next_passage(passage: Passage) -> Passage | None:
            hit = self.store.next_chunk(passage.chunk_id)
            return node_to_passage(hit_to_node(hit)) if hit else None

        return ExtractiveAnswerer(corpus_mentions=self.store.mentions, next_passage=next_passage)

    # --- the library ------------------------------------------------------------------------------

    def indexer(self, write_lock=None) -> ReportIndexer:
        """An indexer with the configured limits; `write_lock` is held only while chunks are written."""
        s = self.settings
        return ReportIndexer(self.store, self.embedding, limits=IngestLimits.of(s.max_file_mb, s.max_chunks_per_file),
                             write_lock=write_lock)

    def ingest(self, paths: Iterable[Path | str], show_progress: bool = True, force: bool = False,
               on_chunks: Callable[[Path, int, int], None] | None = None, write_lock=None) -> IngestSummary:
        """Parse, chunk, embed and index; `force` re-indexes reports whose file has not changed;
        `on_chunks(path, done, total)` reports the embedding progress inside a file."""
        return self.indexer(write_lock).ingest([Path(p) for p in paths], show_progress=show_progress, force=force,
                                               on_chunks=on_chunks)

    def list_reports(self) -> list[StoredReport]:
        return self.store.reports()

    def remove(self, report_id: str) -> bool:
        return self.store.remove_report(report_id)

    # --- questions ----------------------------------------------------------------------------------

    def catalog(self) -> ReportCatalog:
        """The indexed reports and their places. A question costs one look-up of the registry's
        version token (another process may have ingested); the registry is read and the gazetteer
        rebuilt only when the token changed. An index no writer has versioned yet is read every time."""
        version = self.store.registry_version()
        cached = self._catalog_cache
        if cached is not None and version and cached.version == version:
            return cached
        reports = self.list_reports()
        if cached is not None and not version and [r.report_id for r in cached.reports] == [
                r.report_id for r in reports] and all(a == b for a, b in zip(cached.reports, reports)):
            return cached
        self._catalog_cache = catalog = ReportCatalog.of(reports, version)
        return catalog

    @staticmethod
    def _reports_matching(filters: QueryFilters, catalog: ReportCatalog) -> set[str] | None:
        """Report ids the explicit filters allow; None when there are no filters. Each filter is a
        look-up in the catalog (reports by id, place and reporting year): its cost follows what it
        selects, and the retrievers pass the result to Chroma's `where` and the lexical index."""
        if filters.is_empty():
            return None
        allowed: set[str] | None = None

        def narrow(ids: set[str]) -> None:
            nonlocal allowed
            allowed = ids if allowed is None else allowed & ids

        if filters.report_ids:
            narrow({rid for rid in filters.report_ids if rid in catalog.report_ids})
        if filters.localities:
            narrow({rid for name in filters.localities for loc in catalog.gazetteer.find(name)
                    for rid in loc.report_ids})
        if filters.years:  # the reporting period's years, not the years a report plans for
            narrow(catalog.reporting_in(filters.years))
        return allowed if allowed is not None else set(catalog.report_ids)

    @staticmethod
    def _incomplete(report_ids: set[str] | None, catalog: ReportCatalog) -> str:
        """A notice naming the reports among `report_ids` that an ingest left half-done ("indexing"):
        their passages may be missing, and another place's must not stand in for them."""
        if not report_ids:
            return ""
        names = sorted({r.metadata.locality or r.report_id for r in catalog.incomplete if r.report_id in report_ids})
        if not names:
            return ""
        return f"Báo cáo của {', '.join(names)} đang được nạp dở; hãy nạp lại báo cáo này rồi hỏi lại."

    def _retrieve(self, query: AnalyzedQuery, filters: QueryFilters, k: int,
                  catalog: ReportCatalog) -> tuple[list[Passage], list[str]]:
        """Hybrid retrieval restricted by the explicit filters and the places the question names.

        A restriction from the question that would leave nothing (the place has no passage on the
        topic within the filters) falls back to a boost, and the user is told; not when the place's
        report is half-indexed: then the answer says so (`_incomplete`) instead of quoting another
        place."""
        notices = []
        explicit = self._reports_matching(filters, catalog)
        named = query.report_ids
        restrict = explicit
        incomplete = self._incomplete(named or explicit, catalog)
        if incomplete:
            notices.append(incomplete)
        if named:
            restrict = named if explicit is None else named & explicit
            if explicit and not restrict:  # another place's figure would answer: say so instead
                places = ", ".join(sorted({loc.name for loc in query.localities if not loc.is_province}))
                notices.append(f"Câu hỏi nhắc đến {places} nhưng bộ lọc đang chọn báo cáo khác; "
                               "hãy bỏ hoặc đổi bộ lọc để hỏi về nơi này.")
        years = set(query.years)
        boost = catalog.naming_years(years)
        restrict, series = self._select_by_period(query, restrict, catalog)
        vectors = QueryVectors(self.embedding, self._query_embedder)  # embedded once, meanwhile BM25 runs
        vectors.prefetch(dense_query_text(query.text))
        retriever = HybridRetriever(self.store, self.embedding, k=k, report_ids=restrict, boost_report_ids=boost,
                                    diversify=query.asks_comparison or query.asks_list and not named,
                                    query_vectors=vectors)
        places = [set(loc.report_ids) & (restrict if restrict is not None else set(loc.report_ids))
                  for loc in query.localities if not loc.is_province]
        if len(series) > 1:  # one ranking per report of the series, interleaved
            nodes = self._retrieve_per_place(query.text, [{rid} for rid in series], k, boost, vectors)
        elif len(places) > 1 and all(places):
            nodes = self._retrieve_per_place(query.text, places, k, boost, vectors)
        else:
            nodes = retriever.retrieve(query.text)
        if not nodes and restrict and restrict != explicit and not incomplete:
            # the named place's reports hold nothing on this (e.g. still being indexed): widen, and say so
            retriever.report_ids, retriever.boost_report_ids = explicit, boost | named
            nodes = retriever.retrieve(query.text)
            notices.append("Không tìm thấy đoạn nào trong báo cáo của nơi được hỏi; đã tìm trong mọi báo cáo.")
        if explicit is not None and not explicit:
            notices.append("Không có báo cáo nào khớp với bộ lọc đã chọn.")
        if self.store.lexical_notice:  # the BM25 side is being rebuilt: dense retrieval only
            notices.append(self.store.lexical_notice)
        return [node_to_passage(n) for n in nodes], notices

    @staticmethod
    def _select_by_period(query: AnalyzedQuery, restrict: set[str] | None,
                          catalog: ReportCatalog) -> tuple[set[str] | None, list[str]]:
        """Among the reports in scope, those of the period asked, the latest, or a series
        (`rag.report_selection`); the scope is left as it is when the choice would leave nothing.
        A question that names no period, source or series costs nothing here (no pass over the reports)."""
        if not (query.source_periods or query.period is not None or query.latest or query.asks_series):
            return restrict, []
        scope = [r.metadata for r in (catalog.reports if restrict is None else catalog.among(restrict))]
        for source in query.source_periods:  # "(theo báo cáo 6 tháng đầu năm 2024)" names the report to read
            named = {m.report_id for m in scope if source.fits(report_period(m))}
            if named:
                restrict, scope = named, [m for m in scope if m.report_id in named]
        spans_reports = query.period is not None and query.period.period.granularity.value == "range"
        if (query.asks_series or spans_reports) and restrict is not None:
            series = series_reports(query.period, scope)  # "từ tháng 7 đến tháng 9": the reports inside the span
            if len(series) > 1:
                return set(series), series
        if query.latest and restrict is not None:
            return latest_reports(scope) or restrict, []
        if query.period is not None and restrict is not None and len(scope) > 1:
            # place by place: one place's period must not drop another place named beside it
            by_place: dict[str, list] = {}
            for meta in scope:
                by_place.setdefault(meta.locality or meta.report_id, []).append(meta)
            chosen: set[str] = set()
            for reports in by_place.values():
                ids = {m.report_id for m in reports}
                chosen |= (reports_for_period(query.period, reports) or ids) if len(reports) > 1 else ids
            return chosen, []
        return restrict, []

    def _is_series(self, query: AnalyzedQuery, catalog: ReportCatalog) -> bool:
        if query.asks_series:
            return True
        if query.period is None or query.period.period.granularity.value != "range" or not query.report_ids:
            return False
        scope = [r.metadata for r in catalog.among(query.report_ids)]
        return len(series_reports(query.period, scope)) > 1

    def _retrieve_per_place(self, text: str, places: list[set[str]], k: int, boost: set[str],
                            vectors: QueryVectors | None = None):
        """A question about several places is retrieved once per place, so that one place's many good
        passages cannot push another's out of the top k; the results are interleaved."""
        per_place = max(4, k // len(places))
        rankings = [HybridRetriever(self.store, self.embedding, k=per_place, report_ids=ids,
                                    boost_report_ids=boost, query_vectors=vectors).retrieve(text) for ids in places]
        return round_robin(rankings, key=lambda scored: scored.node.node_id)

    def search(self, query: str, k: int | None = None, filters: QueryFilters | None = None) -> list[Passage]:
        """Ranked passages for a query (hybrid, with the places and years the query names)."""
        catalog = self.catalog()
        analyzed = analyze_query(query, catalog.gazetteer, load_gazetteer())
        return self._retrieve(analyzed, filters or QueryFilters(), k or self.settings.search_k, catalog)[0]

    def precedents(self, query: str, filters: PrecedentFilters | None = None, k: int = 10) -> PrecedentResult:
        """One row per report that describes (then mentions) the topic, best first (rag/precedents.py)."""
        return PrecedentFinder(self.store, self.embedding, self.catalog().reports).search(query, filters, k)

    def compare_figures(self, question: str, filters: PrecedentFilters | None = None, k: int = 10) -> FigureTable:
        """A figure across places or periods: each report the precedent search finds is asked alone,
        so the evidence policy decides row by row (rag/figure_table.py)."""
        found = self.precedents(question, filters, k)
        rows = figure_rows(question, [*found.rows, *found.mentions],
                           lambda rid: self.ask(question, QueryFilters(report_ids=(rid,))))
        return FigureTable(question, found.filters, rows, found.notices)

    def ask(self, question: str, filters: QueryFilters | None = None, history: Sequence[Answer] = (),
            k: int | None = None) -> Answer:
        """An answer with citations, or an abstention that still lists the closest passages.

        `history` holds the earlier answers of the conversation, oldest first, for follow-ups.
        """
        final = None
        for progress in self.ask_stream(question, filters, history, k):
            final = progress.answer
        assert final is not None
        return final

    def ask_stream(self, question: str, filters: QueryFilters | None = None, history: Sequence[Answer] = (),
                   k: int | None = None) -> Iterator[AnswerProgress]:
        """`ask`, step by step: text as it grows (token by token with an LLM), then the final Answer."""
        timings: dict[str, float] = {}
        started = clock = time.perf_counter()

        def lap(stage: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            timings[stage] = timings.get(stage, 0.0) + (now - clock) * 1000
            clock = now

        filters = filters or QueryFilters()
        catalog = self.catalog()
        gazetteer = catalog.gazetteer
        llm = self.llm
        if llm is not None and history:
            from rag.llm import condense_question

            resolved = condense_question(llm, history, question)
        else:
            resolved = resolve_follow_up(question, history, gazetteer)
        query = analyze_query(resolved, gazetteer, load_gazetteer())
        if filters.years and not query.periods:  # the period check applies to the filter's years too
            query = replace(query, periods=tuple(AskedPeriod(year_period(y), whole=False) for y in sorted(filters.years)))
        lap("analyze")
        passages, notices = self._retrieve(query, filters, k or max(self.settings.search_k, 10), catalog)
        if len({p.report_id for p in passages}) > 1 and self._is_series(query, catalog):
            # a span covered by several reports of one place is answered report by report, each with
            # evidence inside the span
            query = replace(query, asks_series=True,
                            periods=tuple(replace(p, whole=False) for p in query.periods))
        lap("retrieve")
        refusal = self.extractive.precheck(query, passages)
        incomplete = self._incomplete(query.report_ids or self._reports_matching(filters, catalog), catalog)
        if not passages and incomplete:
            refusal = abstain(incomplete)
            notices = [n for n in notices if n != incomplete]
        # who signed the document: its signature block answers, for either answerer (rag/document_facts.py)
        direct = refusal or signer_answer(query, [r.metadata for r in catalog.reports], passages)
        if llm is None or direct is not None:
            draft: DraftAnswer = direct or self.extractive.answer(query, passages)
            yield AnswerProgress(text=draft.text)
        else:
            from rag.llm import LLMAnswerer

            draft = None
            for text, step in LLMAnswerer(llm, self.extractive.answer).stream(query, passages):
                if step is None:
                    yield AnswerProgress(text=text)
                else:
                    draft = step
        lap("answer")
        timings["total"] = (time.perf_counter() - started) * 1000
        applied = filters.to_dict()
        applied["localities_in_question"] = sorted({loc.name for loc in query.localities if not loc.is_province})
        applied["years_in_question"] = list(query.years)
        answer = Answer(
            question=question, answer=draft.text, abstained=draft.abstained, citations=draft.citations,
            retrieved=passages, answerer=draft.answerer, notices=notices + draft.notices,
            resolved_question=resolved, filters=applied, timings_ms=timings,
        )
        yield AnswerProgress(text=answer.answer, answer=answer)
