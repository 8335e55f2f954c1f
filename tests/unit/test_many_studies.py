"""Many-studies runs: the studies sheet, the cross-study NES table, shared DE genes, per-study cluster groups."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from degsea.de.across_studies import de_genes, shared_de_genes
from degsea.errors import InputError
from degsea.gsea.across_studies import nes_across_studies
from degsea.inputs.studies import StudyEntry, comparisons, parse_studies_sheet, read_study_config
from degsea.resources import study_group

SHEET = "study\tconfig\tcomparable\na\tconfig/a.yaml\tmtor=resp_vs_ctrl, shared_name\nb\tconfig/b.yaml\t\n"


def test_sheet_parsed_with_labels_and_bare_contrasts() -> None:
    a, b = parse_studies_sheet(SHEET, source="s.tsv")
    assert (a.name, a.config, dict(a.comparable)) == (
        "a",
        "config/a.yaml",
        {"mtor": "resp_vs_ctrl", "shared_name": "shared_name"},
    )
    assert (b.name, dict(b.comparable)) == ("b", {})
    (only,) = parse_studies_sheet("study,config\nx,c.yaml\n", source="s.csv", delimiter=",")
    assert only.comparable == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("study\tfile\na\tc.yaml\n", "columns are not the expected ones"),
        ("study config\na c.yaml\n", "columns are not the expected ones"),
        ("study\tconfig\n", "lists no study"),
        ("study\tconfig\n1abc\tc.yaml\n", "study name is not allowed"),
        ("study\tconfig\nmy-study\tc.yaml\n", "study name is not allowed"),
        ("study\tconfig\na\tc.yaml\nA\td.yaml\n", "named twice"),
        ("study\tconfig\na\t\n", "has no config file"),
        ("study\tconfig\tcomparable\na\tc.yaml\tx=\n", "cannot be read"),
        ("study\tconfig\tcomparable\na\tc.yaml\tx=c1, x=c2\n", "two contrasts into one comparison"),
    ],
)
def test_sheet_mistakes(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        parse_studies_sheet(text, source="s.tsv")
    assert caught.value.file == "s.tsv" and caught.value.hint


def test_study_config_must_exist_and_hold_keys(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="config file does not exist") as caught:
        read_study_config(StudyEntry("a", str(tmp_path / "none.yaml")), sheet="s.tsv")
    assert "study 'a'" in caught.value.where
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    with pytest.raises(InputError, match="holds no keys"):
        read_study_config(StudyEntry("a", str(tmp_path / "list.yaml")), sheet="s.tsv")
    (tmp_path / "bad.yaml").write_text("a: [1\n")
    with pytest.raises(InputError, match="cannot be read"):
        read_study_config(StudyEntry("a", str(tmp_path / "bad.yaml")), sheet="s.tsv")
    (tmp_path / "ok.yaml").write_text("design: '~ condition'\n")
    assert read_study_config(StudyEntry("a", str(tmp_path / "ok.yaml")), sheet="s.tsv") == {"design": "~ condition"}


def test_comparisons_checked_against_the_studies_contrasts() -> None:
    entries = parse_studies_sheet(SHEET, source="s.tsv")
    assert comparisons(entries, {"a": ["resp_vs_ctrl", "shared_name"], "b": []}, sheet="s.tsv") == {
        "mtor": {"a": "resp_vs_ctrl"},
        "shared_name": {"a": "shared_name"},
    }
    with pytest.raises(InputError, match="not one of the study's contrasts") as caught:
        comparisons(entries, {"a": ["resp_vs_ctrl"], "b": []}, sheet="s.tsv")
    assert caught.value.found == "'shared_name'" and caught.value.allowed == "resp_vs_ctrl"


def test_nes_across_studies_marks_untested_sets() -> None:
    summaries = {
        "a": pd.DataFrame({"set": ["S1", "S2"], "collection": ["c", "c"], "NES_x": [1.5, -1.0], "FDR_x": [0.01, 0.2]}),
        "b": pd.DataFrame(
            {"set": ["S1"], "collection": ["d"], "NES_y": [2.0], "FDR_y": [0.001], "NES_z": [0.5], "FDR_z": [0.9]}
        ),
    }
    table = nes_across_studies(summaries, {"a": ["x"], "b": ["y", "z"]}, sets=["S2", "S1"])
    assert list(table.columns) == ["set", "collection", "study", "contrast", "NES", "FDR"]
    assert list(zip(table["set"], table["study"], table["contrast"], strict=True)) == [
        ("S2", "a", "x"), ("S2", "b", "y"), ("S2", "b", "z"), ("S1", "a", "x"), ("S1", "b", "y"), ("S1", "b", "z"),
    ]  # fmt: skip
    assert table["NES"].tolist()[:1] == [-1.0] and np.isnan(table["NES"].iloc[1]) and np.isnan(table["FDR"].iloc[2])
    assert table["NES"].tolist()[3:] == [1.5, 2.0, 0.5]
    assert set(table["collection"]) == {"c"}  # the first study's, for every row of the set


def _de(genes: list[str], lfc: list[float], padj: list[float], symbols: list[str] | None = None) -> pd.DataFrame:
    return pd.DataFrame({"gene_id": genes, "symbol": symbols or genes, "log2FoldChange": lfc, "padj": padj})


def test_de_genes_by_symbol_with_thresholds() -> None:
    table = _de(
        ["E1", "E2", "E3", "E4"], [2.0, -3.0, 0.5, 2.0], [0.01, 0.001, 0.001, 0.2], symbols=["Cd74", "", "Low", "Ns"]
    )
    hits = de_genes(table, padj=0.05, lfc=1)
    assert hits.index.tolist() == ["E2", "Cd74"]  # by padj; no symbol: the gene ID


def test_shared_de_genes_and_upset_counts() -> None:
    a = _de(["g1", "g2", "g3", "g4"], [2.0, 2.0, -2.0, 2.0], [0.01] * 4)
    b = _de(["g1", "g2", "g3", "g5"], [1.5, -2.0, -1.5, 2.0], [0.02] * 4)
    c = _de(["g1", "g6"], [3.0, 3.0], [0.001, 0.001])
    shared, counts = shared_de_genes({"cmp": {"a": a, "b": b, "c": c}, "solo": {"a": a}}, padj=0.05, lfc=1)
    assert shared["gene"].tolist() == ["g1", "g2", "g3"]  # most studies first, then by name
    assert shared["studies"].tolist() == ["a;b;c", "a;b", "a;b"]
    assert shared["direction"].tolist() == ["up", "mixed", "down"]
    assert shared.loc[0, ["log2FC_a", "log2FC_b", "log2FC_c"]].tolist() == [2.0, 1.5, 3.0]
    assert np.isnan(shared.loc[1, "log2FC_c"])
    got = {(r.comparison, r.studies): r.genes for r in counts.itertuples()}
    assert got == {
        ("cmp", "a;b"): 2,
        ("cmp", "a;b;c"): 1,
        ("cmp", "a"): 1,
        ("cmp", "b"): 1,
        ("cmp", "c"): 1,
        ("solo", "a"): 4,
    }


def test_study_group_follows_the_profile_within_the_study() -> None:
    workflow = SimpleNamespace(group_settings=SimpleNamespace(overwrite_groups={"deseq2": "de"}), parent_groupids={})
    assert study_group(workflow, "gse", "deseq2")({}) == "gse_de"
    assert workflow.parent_groupids == {"gse_de": "de"}  # the profile's group-components width applies
    assert study_group(workflow, "gse", "gsea")({}) is None


def test_snakemake_still_has_the_internals_the_study_groups_use() -> None:
    """The per-study groups (degsea.resources.study_group, workflow/studies.smk) use Snakemake internals.

    Snakemake 9 has no public way to give a module's rules groups derived from the profile's
    ``groups:``: the profile's map is known only once the DAG is built (the API sets
    ``Workflow.group_settings`` after the Snakefile is parsed), and ``--groups`` names rules, not
    studies. If one of these fails, Snakemake changed: rework study_group, do not loosen this test.
    """
    import inspect

    import snakemake.api  # first, as snakemake's CLI does: snakemake.dag or .workflow alone is a circular import
    import snakemake.dag
    import snakemake.rules
    import snakemake.workflow
    from snakemake.settings.types import GroupSettings

    DAG, Rule, Workflow = snakemake.dag.DAG, snakemake.rules.Rule, snakemake.workflow.Workflow

    internals = {
        "Workflow.group_settings (the --groups / --group-components settings of the run)": "group_settings"
        in Workflow.__annotations__,
        "GroupSettings.overwrite_groups (the profile's rule -> group map)": "overwrite_groups"
        in GroupSettings.__dataclass_fields__,
        "Workflow.parent_groupids (group ID -> the name its --group-components width is given for)": isinstance(
            inspect.getattr_static(Workflow, "parent_groupids", None), property
        ),
        "DAG._update_group_components looks widths up through parent_groupids": "parent_groupids"
        in inspect.getsource(DAG._update_group_components),
        "Rule.expand_group calls a callable group per job": "callable(self.group)"
        in inspect.getsource(Rule.expand_group),
        "Rule.group prefers the profile's group of the rule's own name": "overwrite_groups"
        in inspect.getsource(Rule.group.fget),
    }
    changed = [what for what, present in internals.items() if not present]
    assert not changed, f"Snakemake changed what the per-study SLURM groups rely on: {changed}"


def test_nes_heatmap_hatches_untested_cells_and_names_the_comparisons() -> None:
    from matplotlib.patches import Rectangle

    from degsea.plots.studies import UNTESTED_HATCH, nes_heatmap

    table = pd.DataFrame(
        {
            "set": ["S1", "S1", "S2", "S2"],
            "study": ["a", "b", "a", "b"],
            "contrast": ["t_vs_c", "x_vs_y", "t_vs_c", "x_vs_y"],
            "NES": [2.0, -1.0, np.nan, 0.05],
            "FDR": [0.01, 0.2, np.nan, 0.9],
        }
    )
    fig = nes_heatmap(table, comparisons={"mtor": {"a": "t_vs_c"}})
    (ax, _) = fig.axes  # the heatmap and its colour bar
    hatched = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_hatch() == UNTESTED_HATCH]
    assert [(p.get_x(), p.get_y()) for p in hatched] == [(-0.5, 0.5)]  # S2 in study a only
    assert [t.get_text() for t in ax.get_xticklabels()] == ["t vs c  [mtor]", "x vs y"]
    norm = ax.images[0].norm
    assert norm.vcenter == 0 and norm.vmin == -norm.vmax
