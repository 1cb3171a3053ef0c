"""JUnit XML: one test per threshold and one per gold case, for CI systems that show test results."""
from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET


def render(data: dict[str, Any]) -> str:
    """Two suites: `thresholds` (the gate) and `cases` (each gold case pass/fail with the reason)."""
    root = ET.Element("testsuites", name=f"rag eval ({data['engine']})")
    gate = ET.SubElement(root, "testsuite", name="thresholds", tests=str(len(data["checks"])),
                         failures=str(sum(not c["ok"] for c in data["checks"])))
    for c in data["checks"]:
        tc = ET.SubElement(gate, "testcase", classname="evals.thresholds", name=c["metric"])
        if not c["ok"]:
            ET.SubElement(tc, "failure", message=c["message"]).text = c["message"]
    cases = data["cases"]
    suite = ET.SubElement(root, "testsuite", name="cases", tests=str(len(cases)),
                          failures=str(sum(not c["passed"] for c in cases)))
    for c in cases:
        tc = ET.SubElement(suite, "testcase", classname="evals.gold", name=c["id"], time=f"{c['latency_s']:.3f}")
        if not c["passed"]:
            why = "; ".join(c["failures"])
            answer = (c["answer"] or {}).get("text", "") if c["answer"] else ""
            ET.SubElement(tc, "failure", message=why).text = f"{c['question']}\n{why}\nanswer: {answer}"
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
