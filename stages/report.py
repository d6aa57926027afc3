"""DVC stage `report`: metrics/*.json + dvclive/ logs -> reports/paper.md and reports/figures/*.png.

params.yaml: report.tolerance_pp, report.per_class_sample, report.vgg_backbone / resnet_backbone
(the backbones of dvc.yaml's training matrix that stand for the paper's *16 and *Res models).
"""
from __future__ import annotations

from fashion.params import load_params
from fashion.report.build import ReportConfig, build_report


def main() -> int:
    params = load_params()
    try:
        config = ReportConfig.from_params(params)
    except KeyError as exc:
        raise SystemExit(f"params.yaml: report.{exc.args[0]} is missing") from None
    except ValueError as exc:
        raise SystemExit(f"params.yaml: report: {exc}") from None
    result = build_report("metrics", "dvclive", "reports", config)
    for claim in result.claims:
        print(f"{claim.code}: " + ", ".join(f"{p} {v.status}" for p, v in claim.verdicts.items()))
    print(f"report: wrote {result.markdown} and {len(result.figures)} figures; "
          f"{len(result.problems)} inputs missing or unusable")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
