"""Time-course profiles of an LRT's significant genes (degsea.de.profiles, plots.profiles, steps.figures_profiles)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from degsea.de.profiles import cluster_profiles, group_labels, profile_table

TIMES = ["d0", "d2", "d4", "d8"]


def time_course(seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Sheet (time x treatment, 3 each), VST of 90 genes in three planted shapes + 30 flat genes, and an LRT table."""
    rng = np.random.default_rng(seed)
    rows = [(f"{t}_{g}_{i}", t, g) for t in TIMES for g in ("veh", "drug") for i in range(3)]
    sheet = pd.DataFrame(rows, columns=["sample", "time", "treatment"]).set_index("sample")
    step = sheet["time"].map({t: i for i, t in enumerate(TIMES)}).to_numpy(dtype=float)
    drug = (sheet["treatment"] == "drug").to_numpy()
    shapes = {"rise": step, "fall": -step, "drug_peak": np.where(drug, np.array([0, 3, 1, 0])[step.astype(int)], 0.0)}
    genes, values, kinds = [], [], []
    for kind, shape in shapes.items():
        for i in range(30):
            genes.append(f"{kind}_{i}")
            values.append(8 + shape + rng.normal(0, 0.2, size=len(sheet)))
            kinds.append(kind)
    for i in range(30):
        genes.append(f"flat_{i}")
        values.append(8 + rng.normal(0, 0.2, size=len(sheet)))
        kinds.append("flat")
    vst = pd.DataFrame(values, index=pd.Index(genes, name="gene_id"), columns=sheet.index)
    lrt = pd.DataFrame({"gene_id": genes, "symbol": genes, "pvalue": [1e-6 if k != "flat" else 0.5 for k in kinds]})
    lrt["padj"] = lrt["pvalue"] * 10
    return sheet, vst, lrt


def test_groups_in_sheet_order() -> None:
    sheet, _, _ = time_course()
    labels, groups = group_labels(sheet, ["time", "treatment"])
    assert groups[:3] == ["d0 / veh", "d0 / drug", "d2 / veh"] and len(groups) == 8
    assert labels.iloc[0] == "d0 / veh"


@pytest.mark.parametrize("method", ["hierarchical", "kmeans"])
def test_planted_shapes_become_clusters(method: str) -> None:
    sheet, vst, lrt = time_course()
    table, groups = profile_table(
        lrt, vst, sheet, columns=["time", "treatment"], padj=0.05, clusters=3, method=method, seed=1
    )
    assert len(table) == 90 and not table["gene_id"].str.startswith("flat").any()
    kind = table["gene_id"].str.rsplit("_", n=1).str[0]
    # every planted shape is one cluster, and each cluster one shape
    assert (pd.crosstab(kind, table["cluster"]) > 0).sum(axis=1).eq(1).all()
    assert list(table.columns[:4]) == ["gene_id", "symbol", "cluster", "padj"] and list(table.columns[4:]) == groups
    np.testing.assert_allclose(table[groups].mean(axis=1), 0, atol=1e-12)


def test_kmeans_is_seeded() -> None:
    sheet, vst, lrt = time_course()
    means = vst.T.groupby(sheet["time"]).mean().T
    first, _ = cluster_profiles(means, clusters=4, method="kmeans", seed=5)
    again, _ = cluster_profiles(means, clusters=4, method="kmeans", seed=5)
    assert first.equals(again)


def test_step_writes_table_and_figure(tmp_path: Path) -> None:
    import anndata as ad

    from degsea.steps.figures_profiles import lrt_profiles

    sheet, vst, lrt = time_course()
    h5ad = tmp_path / "counts.h5ad"
    ad.AnnData(np.zeros((len(sheet), 2)), obs=sheet).write_h5ad(h5ad)
    vst.insert(0, "symbol", vst.index)
    vst.reset_index().to_csv(tmp_path / "vst.tsv", sep="\t", index=False)
    lrt.to_csv(tmp_path / "lrt.tsv", sep="\t", index=False)
    figures = [str(tmp_path / "profiles.png"), str(tmp_path / "profiles.svg")]
    lrt_profiles(
        lrt_table=str(tmp_path / "lrt.tsv"),
        vst_table=str(tmp_path / "vst.tsv"),
        counts_h5ad=str(h5ad),
        test="time",
        columns=["time", "treatment"],
        padj=0.05,
        clusters=3,
        table_out=str(tmp_path / "clusters.tsv"),
        figures=figures,
    )
    table = pd.read_csv(tmp_path / "clusters.tsv", sep="\t")
    assert sorted(table["cluster"].unique()) == [1, 2, 3] and len(table) == 90
    assert all(Path(f).stat().st_size > 1000 for f in figures)


def test_cluster_ora_runs_with_the_ora_module_or_stops_up_front(tmp_path: Path) -> None:
    """With degsea.gsea.ora (helper G's module) the clusters get an ORA table; without it the config check stops."""
    import importlib.util
    import json

    from degsea.de.hypotheses import LikelihoodRatioTest, Profiles
    from degsea.errors import InputError
    from degsea.study import check_hypotheses

    if importlib.util.find_spec("degsea.gsea.ora") is None:
        sheet, _, _ = time_course()
        config = {
            "continuous": [],
            "de": {},
            "design": "~ treatment + time",
            "reference_levels": {},
            "lrt": {"time": {"reduced": "~ treatment", "profiles": {"enabled": True, "ora": True}}},
        }
        with pytest.raises(InputError, match="needs degsea's ORA module") as info:
            check_hypotheses(config, sheet, [], sheet_file="samples.tsv")
        assert "where: config 'lrt: time: profiles: ora'" in str(info.value)
        assert LikelihoodRatioTest("t", "~ a", "~ 1", profiles=Profiles(ora=True)).profiles.ora
        return
    from degsea.steps.profiles_ora import cluster_over_representation

    sheet, vst, lrt = time_course()
    table, _ = profile_table(lrt, vst, sheet, columns=["time", "treatment"], padj=0.05, clusters=3)
    table.to_csv(tmp_path / "clusters.tsv", sep="\t", index=False)
    lrt.to_csv(tmp_path / "lrt.tsv", sep="\t", index=False)
    sets = {"RISE": {"description": "", "genes": [f"rise_{i}" for i in range(20)]}}
    (tmp_path / "sets.json").write_text(json.dumps({"collections": {"c.gmt": sets}}))
    cluster_over_representation(
        clusters_table=str(tmp_path / "clusters.tsv"),
        lrt_table=str(tmp_path / "lrt.tsv"),
        genesets_json=str(tmp_path / "sets.json"),
        out=str(tmp_path / "ora.tsv"),
        min_size=5,
    )
    ora = pd.read_csv(tmp_path / "ora.tsv", sep="\t")
    rise_cluster = table.loc[table["gene_id"] == "rise_0", "cluster"].item()
    best = ora.sort_values("pvalue").iloc[0]
    assert best["cluster"] == rise_cluster and best["overlap"] == 20
