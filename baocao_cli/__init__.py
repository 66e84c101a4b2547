"""The `baocao` command line: the composition root, the one package that may import every layer
(ingest <- vectorstore <- rag <- ui, evals <- baocao_cli). `baocao_cli.main` is the entry point
that pyproject's `[project.scripts]` names; `python -m baocao_cli` runs the same."""

from baocao_cli.main import build_parser, main

__all__ = ["build_parser", "main"]
