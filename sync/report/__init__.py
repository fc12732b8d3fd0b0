"""``crmsync report``: the report people read, as one self-contained HTML file or Markdown.

* :mod:`.model`: :class:`ReportData`, the report's numbers, built from a job after a plan (the
  mirror, what the rules found, the runs and KPIs in the state store). Frozen and
  JSON-serialisable; it holds no config value but the job's name and the CRM's kind.
* :mod:`.words`: numbers, labels and the plain-language summary both formats share.
* :mod:`.charts`: inline SVG charts drawn here (no JavaScript, no CDN).
* :mod:`.html` and :mod:`.markdown`: the two renderings.
* :mod:`.commands`: the click command ``report`` for :mod:`sync.cli` to add.
"""

from sync.report.model import ReportData, build_report, report_of

__all__ = ["ReportData", "build_report", "report_of"]
