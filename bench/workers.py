"""One measurement per process: ``python bench/workers.py KIND CASE CORES OUT`` (started by bench/run.py).

Kinds: ``degsea_de`` (degsea's DE stage without shrinkage), ``degsea_de_shrink`` (with apeGLM
shrinkage, the pipeline's default), ``pydeseq2_stock`` (stock PyDESeq2), ``gsea_degsea`` (degsea's
GSEA engine with its defaults), ``gsea_gseapy`` (stock gseapy prerank). Each fits once and tests
every contrast of the case (or runs every gene set), writes its tables beside ``OUT`` for the
agreement rows, and ``OUT`` itself: a JSON with the inner time.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow" / "scripts"))

from cases import DE_CASES, load_de, load_gsea  # noqa: E402


def degsea_de(case: str, cores: int, out: Path, *, shrink: bool) -> dict:
    import anndata as ad

    from degsea.de.design import Contrast
    from degsea.de.fit import DESettings, fit, test_contrast

    counts, meta = load_de(case)
    spec = DE_CASES[case]
    adata = ad.AnnData(
        X=counts.to_numpy(), obs=meta.astype(str), var=pd.DataFrame({"symbol": counts.columns}, index=counts.columns)
    )
    contrasts = [Contrast(name=f"{t}_vs_{r}", variable=v, test=t, reference=r) for v, t, r in spec["contrasts"]]
    fitted = fit(adata, formula=spec["design"], contrasts=contrasts, threads=cores)
    tables = [test_contrast(fitted, c, settings=DESettings(shrink=shrink)) for c in contrasts]
    for i, table in enumerate(tables):
        keep = [c for c in ("log2FoldChange", "padj", "log2FoldChange_shrunk") if c in table]
        table.set_index("gene_id")[keep].to_csv(out.with_suffix(f".{i}.tsv"), sep="\t")
    return {"n_sig": [int((t["padj"] < 0.1).sum()) for t in tables]}


def pydeseq2_stock(case: str, cores: int, out: Path) -> dict:
    from pydeseq2.dds import DeseqDataSet
    from pydeseq2.default_inference import DefaultInference
    from pydeseq2.ds import DeseqStats

    counts, meta = load_de(case)
    spec = DE_CASES[case]
    inference = DefaultInference(n_cpus=cores)
    dds = DeseqDataSet(counts=counts, metadata=meta, design=spec["design"], inference=inference, quiet=True)
    dds.deseq2()
    sig = []
    for i, (v, t, r) in enumerate(spec["contrasts"]):
        stats = DeseqStats(dds, contrast=[v, t, r], inference=inference, quiet=True)
        stats.summary()
        sig.append(int((stats.results_df["padj"] < 0.1).sum()))
        stats.results_df[["log2FoldChange", "padj"]].rename_axis("gene_id").to_csv(
            out.with_suffix(f".{i}.tsv"), sep="\t"
        )
    return {"n_sig": sig}


def gsea(case: str, cores: int, out: Path, *, tool: str) -> dict:
    ranks, sets = load_gsea(case)
    if tool == "degsea":
        from degsea.gsea import engine

        table = engine.prerank(ranks, sets, permutations=1000, min_size=15, max_size=500, seed=1, threads=cores)
        table = table.rename(columns={"Term": "pathway"})
    else:
        import gseapy

        table = gseapy.prerank(
            rnk=ranks,
            gene_sets=sets,
            permutation_num=1000,
            min_size=15,
            max_size=500,
            seed=1,
            threads=1,
            outdir=None,
            no_plot=True,
            verbose=False,
        ).res2d
        table = table.rename(columns={"Term": "pathway", "FDR q-val": "padj"})
    table[["pathway", "NES", "padj"]].to_csv(out.with_suffix(".0.tsv"), sep="\t", index=False)
    return {"sets": len(table)}


def main(kind: str, case: str, cores: str, out: str) -> None:
    warnings.filterwarnings("ignore")
    t0 = time.perf_counter()
    path, n = Path(out), int(cores)
    if kind in ("degsea_de", "degsea_de_shrink"):
        info = degsea_de(case, n, path, shrink=kind == "degsea_de_shrink")
    elif kind == "pydeseq2_stock":
        info = pydeseq2_stock(case, n, path)
    elif kind in ("gsea_degsea", "gsea_gseapy"):
        info = gsea(case, n, path, tool=kind.split("_")[1])
    else:
        raise SystemExit(f"unknown worker kind {kind}")
    info["inner_seconds"] = time.perf_counter() - t0
    path.write_text(json.dumps(info))


if __name__ == "__main__":
    main(*sys.argv[1:])
