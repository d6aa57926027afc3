"""DVC stage `report`: metrics/*.json + dvclive/ logs -> reports/paper.md and reports/figures/*.png.

params.yaml: report.tolerance_pp, report.per_class_sample (the *Res models are the resnet18 runs of dvc.yaml).
"""
from __future__ import annotations

from fashion.params import load_params, section
from fashion.report import ReportConfig, build_report


def main() -> int:
    params = load_params()
    report = section(params, "report")
    try:
        config = ReportConfig(vgg_backbone="vgg16_bn", resnet_backbone="resnet18",
                              tolerance_pp=float(report["tolerance_pp"]),
                              per_class_sample=int(report["per_class_sample"]))
    except KeyError as exc:
        raise SystemExit(f"params.yaml: report.{exc.args[0]} is missing") from None
    except (TypeError, ValueError) as exc:
        raise SystemExit(f"params.yaml: report: {exc}") from None
    result = build_report("metrics", "dvclive", "reports", config)
    for claim in result.claims:
        print(f"{claim.code}: " + ", ".join(f"{p} {v.status}" for p, v in claim.verdicts.items()))
    print(f"report: wrote {result.markdown} and {len(result.figures)} figures; "
          f"{len(result.problems)} inputs missing or unusable")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
