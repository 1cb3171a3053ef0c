"""The eval harness: gold sets, metrics, thresholds, reports."""
